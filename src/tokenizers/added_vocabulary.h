// Tokens added on top of the model's vocabulary (special tokens and user tokens). They are
// found in the text before the model runs - first the non-normalized ones on the raw
// text, then the normalized ones on the normalized pieces - with leftmost-longest matching
// and the lstrip / rstrip / single_word rules of HF's AddedVocabulary.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cuddle/tokenizer.h"
#include "tokenizers/models/model.h"
#include "tokenizers/normalizers/normalizer.h"
#include "tokenizers/pre_tokenized_string.h"

namespace cuddle::tok {

// Byte trie answering "longest pattern starting here".
class PatternTrie {
 public:
  void insert(std::string_view pattern, uint32_t id);
  bool empty() const { return nodes_.size() <= 1; }
  // Longest pattern that starts at s[pos]: (length, id), or length 0. The first-byte
  // test is inline: it rejects almost every position of a text.
  std::pair<size_t, uint32_t> longest_at(std::string_view s, size_t pos) const {
    if (!first_byte_[static_cast<unsigned char>(s[pos])]) return {0, 0};
    return walk_from(s, pos);
  }

 private:
  // longest_at once s[pos] may start a pattern.
  std::pair<size_t, uint32_t> walk_from(std::string_view s, size_t pos) const;

  struct Node {
    std::vector<std::pair<unsigned char, int>> kids;
    int64_t value = -1;
  };
  std::vector<Node> nodes_{Node{}};
  bool first_byte_[256] = {};
};

class AddedVocabulary {
 public:
  // Adds tokens; returns how many were new. Ids follow HF: the model's id if the model
  // knows the token, else one past the largest added id (at least the model's size).
  size_t add_tokens(const std::vector<AddedTokenSpec>& tokens, const Model& model, const Normalizer* normalizer);

  PreTokenizedString extract_and_normalize(const Normalizer* normalizer, const std::string& text) const;

  std::optional<uint32_t> token_to_id(std::string_view token) const;
  // The string used when decoding an added token id (its normalized form when it has one).
  std::optional<std::string> id_to_token(uint32_t id) const;
  bool is_special(std::string_view token) const { return special_.count(std::string(token)) > 0; }
  size_t size() const { return by_id_.size(); }
  const std::map<uint32_t, AddedTokenSpec>& tokens() const { return by_id_; }

 private:
  void refresh();
  std::vector<Split> split_with(NormalizedString n, const PatternTrie& trie) const;

  std::map<uint32_t, AddedTokenSpec> by_id_;
  std::unordered_map<std::string, uint32_t> by_content_;
  std::unordered_set<std::string> special_;
  std::unordered_map<uint32_t, std::string> normalized_cache_;
  PatternTrie raw_trie_, normalized_trie_;
};

}  // namespace cuddle::tok
