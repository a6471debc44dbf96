#include "tokenizers/models/vocab.h"

namespace cuddle::tok {

void check_vocab_density(const JsonRef& v, size_t distinct_tokens, uint32_t max_id) {
  if (distinct_tokens && max_id > 4 * distinct_tokens + 1024) v.fail("ids are too sparse (max id " + std::to_string(max_id) + ")");
}

Vocab::Vocab(const JsonRef& v) {
  // Collected first, then inserted as one batch whose hash-slot misses overlap.
  std::vector<std::string_view> keys;
  std::vector<uint32_t> ids;
  if (v.is_object()) {
    keys.reserve(simdjson::dom::object(v.value).size());
    ids.reserve(keys.capacity());
  }
  size_t key_bytes = 0;
  uint32_t max_id = read_vocab(v, [&](std::string_view token, uint32_t id) {
    keys.push_back(token);
    ids.push_back(id);
    key_bytes += token.size();
  });
  map_.reserve(keys.size(), key_bytes);
  map_.insert_all(keys, ids);
  check_vocab_density(v, map_.size(), max_id);
  tokens_.assign(map_.size() == 0 ? 0 : max_id + 1, Place{});
  // Two tokens with one id: the one later in the file names the id.
  map_.for_each([&](std::string_view t, uint32_t id, uint64_t offset) {
    Place& p = tokens_[id];
    if (p.size == kNone || p.offset < offset) p = {offset, static_cast<uint32_t>(t.size())};
  });
}

}  // namespace cuddle::tok
