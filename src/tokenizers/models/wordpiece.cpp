// WordPiece: greedy longest-match-first; pieces after the first carry the
// continuing_subword_prefix; a word with an unmatchable part becomes one unk token.
// WordLevel: the whole word is a vocab entry, or unk.
#include "tokenizers/models/model.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

class WordPiece : public Model {
 public:
  explicit WordPiece(const JsonRef& j)
      : vocab_(j.at("vocab")),
        unk_(j.str("unk_token", "[UNK]")),
        prefix_(j.str("continuing_subword_prefix", "##")),
        max_chars_(static_cast<size_t>(j.integer("max_input_chars_per_word", 100))) {}

  std::vector<Token> tokenize(std::string_view w) const override {
    std::vector<Token> out;
    if (to_chars(w).size() > max_chars_) return {unk_token(w.size())};
    size_t start = 0;
    std::string sub;
    while (start < w.size()) {
      size_t end = w.size();
      bool found = false;
      while (start < end) {
        sub.clear();
        if (start > 0) sub = prefix_;
        sub.append(w.substr(start, end - start));
        if (auto id = vocab_.id(sub)) {
          out.push_back({*id, sub, {start, end}});
          found = true;
          break;
        }
        size_t b = end - 1;  // step back over the last char of the candidate
        while (b > start && (static_cast<unsigned char>(w[b]) & 0xC0) == 0x80) --b;
        end = b;
      }
      if (!found) return {unk_token(w.size())};
      start = end;
    }
    return out;
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.id(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  std::optional<std::string> continuing_subword_prefix() const override { return prefix_; }

 private:
  Token unk_token(size_t len) const {
    auto id = vocab_.id(unk_);
    if (!id) throw Error("WordPiece: unk_token \"" + unk_ + "\" is not in the vocab");
    return {*id, unk_, {0, len}};
  }
  Vocab vocab_;
  std::string unk_, prefix_;
  size_t max_chars_;
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
