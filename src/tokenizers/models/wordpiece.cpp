// WordPiece: greedy longest-match-first; pieces after the first carry the
// continuing_subword_prefix; a word with an unmatchable part becomes one unk token.
// WordLevel: the whole word is a vocab entry, or unk.
#include "tokenizers/models/model.h"
#include "tokenizers/models/token_trie.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

class WordPiece : public Model {
 public:
  explicit WordPiece(const JsonRef& j)
      : unk_(j.str("unk_token", "[UNK]")),
        prefix_(j.str("continuing_subword_prefix", "##")),
        max_chars_(static_cast<size_t>(j.integer("max_input_chars_per_word", 100))) {
    JsonRef v = j.at("vocab");
    const size_t count = v.is_object() ? simdjson::dom::object(v.value).size() : 0;
    trie_.reserve(count);  // tokens share prefixes: nodes are nearer the count than the bytes
    tokens_.reserve(count * 8);  // (grows if the tokens are longer on average)
    // Ids are normally 0 .. count - 1; a larger one grows the table, after the sparseness
    // check so that a hostile id cannot make it huge. Later entries of an id win.
    by_id_.assign(count, Span{0, TokenTrie::kNone});
    uint32_t max_id = read_vocab(v, [&](std::string_view token, uint32_t id) {
      if (trie_.insert(token, id)) ++size_;
      if (id >= by_id_.size()) {
        check_vocab_density(v, count, id);
        by_id_.resize(size_t{id} + 1, Span{0, TokenTrie::kNone});
      }
      by_id_[id] = {static_cast<uint32_t>(tokens_.size()), static_cast<uint32_t>(token.size())};
      tokens_.append(token);
    });
    check_vocab_density(v, size_, max_id);
    by_id_.resize(size_ == 0 ? 0 : size_t{max_id} + 1);
    continuation_ = trie_.walk(TokenTrie::kRoot, prefix_);
    if (uint32_t unk = trie_.find(unk_); unk != TokenTrie::kNone) unk_id_ = unk;
  }

  // Greedy longest match first, as HF: the trie walk finds the longest vocab entry at
  // each position (entries are whole UTF-8 chars, so matches end on char boundaries).
  std::vector<Token> tokenize(std::string_view w) const override {
    size_t chars = 0;
    for (unsigned char b : w) chars += (b & 0xC0) != 0x80;
    if (chars > max_chars_) return {unk_token(w.size())};
    std::vector<Token> out;
    out.reserve(chars);  // at most one token per char: one allocation per word
    for (size_t start = 0; start < w.size();) {
      uint32_t from = start == 0 ? TokenTrie::kRoot : continuation_;
      auto [len, id] = from == TokenTrie::kNone ? std::pair<size_t, uint32_t>{0, 0} : trie_.longest_prefix(from, w.substr(start));
      if (len == 0) return {unk_token(w.size())};
      std::string value;
      value.reserve((start > 0 ? prefix_.size() : 0) + len);
      if (start > 0) value = prefix_;
      value.append(w.substr(start, len));
      out.push_back({id, std::move(value), {start, start + len}});
      start += len;
    }
    return out;
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override {
    uint32_t id = trie_.find(t);
    if (id == TokenTrie::kNone) return std::nullopt;
    return id;
  }
  std::optional<std::string> id_to_token(uint32_t id) const override {
    if (id >= by_id_.size() || by_id_[id].len == TokenTrie::kNone) return std::nullopt;
    return tokens_.substr(by_id_[id].offset, by_id_[id].len);
  }
  size_t vocab_size() const override { return size_; }
  std::optional<std::string> continuing_subword_prefix() const override { return prefix_; }

 private:
  struct Span {
    uint32_t offset, len;  // in tokens_; len kNone where no token has the id
  };
  Token unk_token(size_t len) const {
    if (!unk_id_) throw Error("WordPiece: unk_token \"" + unk_ + "\" is not in the vocab");
    return {*unk_id_, unk_, {0, len}};
  }
  std::string unk_, prefix_;
  size_t max_chars_;
  TokenTrie trie_;
  uint32_t continuation_ = TokenTrie::kNone;  // node reached by the continuing_subword_prefix
  std::string tokens_;                        // every token, back to back
  std::vector<Span> by_id_;
  size_t size_ = 0;
  std::optional<uint32_t> unk_id_;
};

class WordLevel : public Model {
 public:
  explicit WordLevel(const JsonRef& j) : vocab_(j.at("vocab")), unk_(j.str("unk_token", "<unk>")) {}
  std::vector<Token> tokenize(std::string_view w) const override {
    if (auto id = vocab_.id(w)) return {{*id, std::string(w), {0, w.size()}}};
    auto id = vocab_.id(unk_);
    if (!id) throw Error("WordLevel: unk_token \"" + unk_ + "\" is not in the vocab");
    return {{*id, unk_, {0, w.size()}}};
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.id(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  Vocab vocab_;
  std::string unk_;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece(const JsonRef& j) { return std::make_unique<WordPiece>(j); }
std::unique_ptr<Model> make_wordlevel(const JsonRef& j) { return std::make_unique<WordLevel>(j); }

}  // namespace cuddle::tok
