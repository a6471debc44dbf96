#include "tokenizers/models/vocab.h"

namespace cuddle::tok {

Vocab::Vocab(const JsonRef& v) {
  if (!v.is_object()) v.fail("expected an object of token -> id");
  simdjson::dom::object obj(v.value);
  map_.reserve(obj.size());
  for (auto [key, val] : obj) {
    if (!val.is_int64() && !val.is_uint64()) v.fail("id of token \"" + std::string(key) + "\" is not an integer");
    int64_t id = val.is_int64() ? int64_t(val) : static_cast<int64_t>(uint64_t(val));
    if (id < 0 || id > (int64_t{1} << 31)) v.fail("id " + std::to_string(id) + " of token \"" + std::string(key) + "\" is out of range");
    map_.insert(key, static_cast<uint32_t>(id));
  }
  uint32_t max_id = 0;
  map_.for_each([&](std::string_view, uint32_t id) { max_id = std::max(max_id, id); });
  if (map_.size() && max_id > 4 * map_.size() + 1024) v.fail("ids are too sparse (max id " + std::to_string(max_id) + ")");
  by_id_.resize(map_.size() == 0 ? 0 : max_id + 1);
  has_.resize(by_id_.size());
  map_.for_each([&](std::string_view t, uint32_t id) {
    by_id_[id] = std::string(t);
    has_[id] = true;
  });
}

}  // namespace cuddle::tok
