// Operations on Encoding with HF's exact semantics: merging a pair (and the cartesian
// product of their overflowing windows), windowed truncation with stride, padding.
#pragma once
#include "cuddle/tokenizer.h"

namespace cuddle::tok {

// Appends `pair` (moved from where the caller gives it up) to `self`.
void merge_into(Encoding& self, Encoding pair);
Encoding merge_all(std::vector<Encoding> encodings);
void truncate_encoding(Encoding& e, size_t max_len, size_t stride, Side direction);
// Truncates a sequence and its optional pair to params.max_length in total.
void truncate_encodings(Encoding& a, Encoding* b, const TruncationParams& params);
void pad_encoding(Encoding& e, size_t target, const PaddingParams& p);

}  // namespace cuddle::tok
