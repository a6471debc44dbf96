// A token <-> id table read from a tokenizer.json `vocab` object, shared by the models
// whose vocab is a {token: id} map (BPE, WordPiece, WordLevel).
#pragma once
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
// each entry in file order; returns the largest id (0 when empty).
uint32_t read_vocab(const JsonRef& vocab_object, const std::function<void(std::string_view, uint32_t)>& add);
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
  std::optional<std::string> token(uint32_t id) const {
    if (id < by_id_.size() && has_[id]) return by_id_[id];
    return std::nullopt;
  }
  // The stored token string of an id known to exist.
  const std::string& token_ref(uint32_t id) const { return by_id_[id]; }
  size_t size() const { return map_.size(); }

 private:
  StringIdMap map_;
  std::vector<std::string> by_id_;
  std::vector<bool> has_;
};

}  // namespace cuddle::tok
