#include "tokenizers/models/vocab.h"

namespace cuddle::tok {

uint32_t read_vocab(const JsonRef& v, const std::function<void(std::string_view, uint32_t)>& add) {
  if (!v.is_object()) v.fail("expected an object of token -> id");
  simdjson::dom::object obj(v.value);
  uint32_t max_id = 0;
  for (auto [key, val] : obj) {
    if (!val.is_int64() && !val.is_uint64()) v.fail("id of token \"" + std::string(key) + "\" is not an integer");
    int64_t id = val.is_int64() ? int64_t(val) : static_cast<int64_t>(uint64_t(val));
    if (id < 0 || id > (int64_t{1} << 31)) v.fail("id " + std::to_string(id) + " of token \"" + std::string(key) + "\" is out of range");
    max_id = std::max(max_id, static_cast<uint32_t>(id));
    add(key, static_cast<uint32_t>(id));
  }
  return max_id;
}

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
