// Normalizers: one class per `normalizer.type` of tokenizer.json, each changing a
// NormalizedString in place while keeping its alignments.
#pragma once
#include <memory>

#include "tokenizers/json.h"
#include "tokenizers/normalized_string.h"

namespace cuddle::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

// Builds the normalizer described by `j`; throws FormatError / UnknownComponentError.
std::unique_ptr<Normalizer> make_normalizer(const JsonRef& j);
// Defined in bert.cpp / precompiled.cpp.
std::unique_ptr<Normalizer> make_bert_normalizer(const JsonRef& j);
std::unique_ptr<Normalizer> make_precompiled(const JsonRef& j);

// Applies GPT-2's byte-to-char table to every byte (ByteLevel normalizer and pre-tokenizer).
void byte_level_transform(NormalizedString& s);

}  // namespace cuddle::tok
