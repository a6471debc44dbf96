// Reading BPE's `merges`: "left right" strings or [left, right] pairs, in rank order.
#pragma once
#include <string_view>

#include "tokenizers/flat_map.h"
#include "tokenizers/json.h"
#include "tokenizers/models/vocab.h"

namespace cuddle::tok {

// (left id, right id) -> (rank, id of left + right); `prefix_len` bytes of the
// continuing-subword prefix are dropped from the right token. A later duplicate pair
// wins, as in HF's map.
PairMap read_merges(const JsonRef& merges, const Vocab& vocab, size_t prefix_len);

}  // namespace cuddle::tok
