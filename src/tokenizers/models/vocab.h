// A token <-> id table read from a tokenizer.json `vocab` object, shared by the models
// whose vocab is a {token: id} map (BPE, WordPiece, WordLevel).
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/flat_map.h"
#include "tokenizers/json.h"

namespace cuddle::tok {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Reads a tokenizer.json `vocab` object, checking every id, and calls add(token, id) for
// each entry in file order; returns the largest id (0 when empty). A template, so that the
// per-entry call inlines: it runs once per vocabulary entry at load.
template <class Add>
uint32_t read_vocab(const JsonRef& v, Add add) {
  if (!v.is_object()) v.fail("expected an object of token -> id");
  uint32_t max_id = 0;
  for (auto [key, val] : simdjson::dom::object(v.value)) {
    if (!val.is_int64() && !val.is_uint64()) v.fail("id of token \"" + std::string(key) + "\" is not an integer");
    const int64_t id = val.is_int64() ? int64_t(val) : static_cast<int64_t>(uint64_t(val));
    if (id < 0 || id > (int64_t{1} << 31))
      v.fail("id " + std::to_string(id) + " of token \"" + std::string(key) + "\" is out of range");
    max_id = std::max(max_id, static_cast<uint32_t>(id));
    add(key, static_cast<uint32_t>(id));
  }
  return max_id;
}
// Rejects ids so sparse that an id -> token table would be mostly holes.
void check_vocab_density(const JsonRef& vocab_object, size_t distinct_tokens, uint32_t max_id);

class Vocab {
 public:
  Vocab() = default;
  explicit Vocab(const JsonRef& vocab_object);
  std::optional<uint32_t> id(std::string_view token) const {
    const uint32_t* id = map_.find(token);
    if (!id) return std::nullopt;
    return *id;
  }
  // ids[i] points to the id of tokens[i] (nullptr if absent); looked up together, their
  // cache misses overlap (see StringIdMap::find_all).
  void ids(const std::string_view* tokens, size_t n, const uint32_t** ids) const { map_.find_all(tokens, n, ids); }
  std::optional<std::string> token(uint32_t id) const {
    if (id < tokens_.size() && tokens_[id].size != kNone) return std::string(token_view(id));
    return std::nullopt;
  }
  // The token of an id known to exist.
  std::string_view token_view(uint32_t id) const { return map_.key_at(tokens_[id].offset, tokens_[id].size); }
  size_t size() const { return map_.size(); }
  // f(token, id) for every token.
  template <class F> void for_each(F f) const {
    map_.for_each([&](std::string_view t, uint32_t id, uint64_t) { f(t, id); });
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Place {  // of a token in map_'s key arena
    uint64_t offset = 0;
    uint32_t size = kNone;
  };
  StringIdMap map_;
  std::vector<Place> tokens_;  // by id
};

}  // namespace cuddle::tok
