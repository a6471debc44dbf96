// The simple splitting pre-tokenizers and the factory over all of them.
#include "tokenizers/pre_tokenizers/pre_tokenizer.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {

SplitBehavior parse_split_behavior(const JsonRef& j) {
  std::string b = j.str();
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  j.fail("unknown split behavior \"" + b + "\"");
}

namespace {

bool is_punc(char32_t c) { return (c < 0x80 && std::ispunct(static_cast<int>(c))) || is_punctuation(c); }

// Splits every piece on the chars for which Pred holds, with a fixed behavior.
template <class Pred>
class CharSplit : public PreTokenizer {
 public:
  CharSplit(Pred pred, SplitBehavior b) : pred_(pred), behavior_(b) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString n) { return as_splits(n.split(find_matches_pred(n.get(), pred_), behavior_)); });
  }

 private:
  Pred pred_;
  SplitBehavior behavior_;
};
template <class Pred>
std::unique_ptr<PreTokenizer> char_split(Pred p, SplitBehavior b) {
  return std::make_unique<CharSplit<Pred>>(p, b);
}

// HF splits on whitespace (removed), then isolates each punctuation char; one scan gives
// the same words: the runs of other chars, and each punctuation char alone.
class BertPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([](size_t, NormalizedString n) {
      std::vector<Split> out;
      const std::string& str = n.get();
      out.reserve(str.size() / 3 + 1);
      size_t word = 0;  // start of the current run of word chars
      for (size_t i = 0; i < str.size();) {
        int len = 1;
        unsigned char b = static_cast<unsigned char>(str[i]);
        bool space, punc;
        if (b < 0x80) {
          space = b == ' ' || (b >= '\t' && b <= '\r');
          punc = !space && std::ispunct(b);
        } else {
          char32_t c = decode_utf8(str, i, &len);
          space = is_whitespace(c);
          punc = !space && is_punctuation(c);
        }
        if (space || punc) {
          if (word < i) out.push_back({n.slice(word, i), std::nullopt});
          if (punc) out.push_back({n.slice(i, i + len), std::nullopt});
          word = i + len;
        }
        i += len;
      }
      if (word < str.size()) out.push_back({n.slice(word, str.size()), std::nullopt});
      return out;
    });
  }
};

// Whitespace: HF's `\w+|[^\w\s]+` (Rust regex syntax): runs of word chars or of other
// non-space chars are the words; whitespace is dropped.
class Whitespace : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([](size_t, NormalizedString n) { return as_splits(n.split(scan(n.get()), SplitBehavior::Removed)); });
  }

 private:
  // Pieces flagged for removal (is_match) are the whitespace between words.
  static Matches scan(const std::string& s) {
    Matches out;
    if (s.empty()) return {{0, 0, false}};
    auto kind = [](char32_t c) { return is_whitespace(c) ? 0 : is_word_char(c) ? 1 : 2; };
    size_t start = 0;
    int cur = -1;
    for (size_t i = 0; i < s.size();) {
      int len;
      int k = kind(decode_utf8(s, i, &len));
      if (k != cur && i > 0) {
        out.push_back({start, i, cur == 0});
        start = i;
      }
      cur = k;
      i += len;
    }
    out.push_back({start, s.size(), cur == 0});
    return out;
  }
};

class FixedLength : public PreTokenizer {
 public:
  explicit FixedLength(const JsonRef& j) : length_(static_cast<size_t>(j.integer("length", 5))) {
    if (length_ == 0) j.at("length").fail("must be positive");
  }
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString n) {
      std::vector<NormalizedString> out;
      const std::string& str = n.get();
      size_t start = 0, count = 0;
      for (size_t i = 0; i < str.size();) {
        int len;
        decode_utf8(str, i, &len);
        i += len;
        if (++count == length_) {
          out.push_back(n.slice(start, i));
          start = i;
          count = 0;
        }
      }
      if (start < str.size()) out.push_back(n.slice(start, str.size()));
      return as_splits(std::move(out));
    });
  }

 private:
  size_t length_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(const JsonRef& j) {
    JsonRef list = j.at("pretokenizers");
    for (const auto& e : list.elements()) parts_.push_back(make_pre_tokenizer(e));
  }
  void pre_tokenize(PreTokenizedString& s) const override {
    for (const auto& p : parts_) p->pre_tokenize(s);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonRef& j) {
  std::string t = j.type_name();
  if (t == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (t == "ByteLevel") return make_byte_level_pre_tokenizer(j);
  if (t == "Whitespace") return std::make_unique<Whitespace>();
  if (t == "WhitespaceSplit") return char_split(is_whitespace, SplitBehavior::Removed);
  if (t == "Metaspace") return make_metaspace_pre_tokenizer(j);
  if (t == "Split") return make_split_pre_tokenizer(j);
  if (t == "Punctuation") {
    auto b = j.get("behavior");
    return char_split(is_punc, b ? parse_split_behavior(*b) : SplitBehavior::Isolated);
  }
  if (t == "Digits")
    return char_split(is_numeric, j.boolean("individual_digits", false) ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  if (t == "CharDelimiterSplit") {
    auto chars = to_chars(j.at("delimiter").view());
    if (chars.size() != 1) j.at("delimiter").fail("expected a single character");
    char32_t d = chars[0];
    return char_split([d](char32_t c) { return c == d; }, SplitBehavior::Removed);
  }
  if (t == "UnicodeScripts") return make_unicode_scripts_pre_tokenizer();
  if (t == "FixedLength") return std::make_unique<FixedLength>(j);
  if (t == "Sequence") return std::make_unique<SequencePreTokenizer>(j);
  throw UnknownComponentError(j.path + ".type: unsupported pre-tokenizer type \"" + t + "\"");
}

}  // namespace cuddle::tok
