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
  if (v.is_object()) map_.reserve(simdjson::dom::object(v.value).size());
  uint32_t max_id = read_vocab(v, [&](std::string_view token, uint32_t id) { map_.insert(token, id); });
  check_vocab_density(v, map_.size(), max_id);
  by_id_.resize(map_.size() == 0 ? 0 : max_id + 1);
  has_.resize(by_id_.size());
  map_.for_each([&](std::string_view t, uint32_t id) {
    by_id_[id] = std::string(t);
    has_[id] = true;
  });
}

}  // namespace cuddle::tok
