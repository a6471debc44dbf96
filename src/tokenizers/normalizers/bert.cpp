// BertNormalizer: clean_text (drop control chars, whitespace -> ' '), spaces around CJK
// ideographs, strip_accents (NFD, then drop Mn) and lowercase, in that order as HF runs
// them.
#include <vector>

#include "tokenizers/normalizers/normalizer.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Other (C*) chars except the whitespace controls tab, newline and carriage return.
bool is_control(char32_t c) {
  if (c < 0x80) return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
  return is_other(c);
}

class BertNormalizer : public Normalizer {
 public:
  explicit BertNormalizer(const JsonRef& j)
      : clean_text_(j.boolean("clean_text", true)),
        chinese_(j.boolean("handle_chinese_chars", true)),
        lowercase_(j.boolean("lowercase", true)) {
    auto sa = j.get("strip_accents");
    strip_accents_ = sa ? sa->boolean() : lowercase_;
  }

  // Every step maps each char on its own, so one rewrite does them all. The exception
  // is NFD's canonical reordering moving a mark past a mark of another char, where HF's
  // alignments follow positions rather than chars: then the steps run one by one.
  void normalize(NormalizedString& s) const override {
    int last_class = 0;  // combining class of the previous char NFD produced
    if (!s.rewrite([&](char32_t c, CharBuf& out) { return one_char(c, out, last_class); })) step_by_step(s);
  }

 private:
  bool one_char(char32_t c, CharBuf& out, int& last_class) const {
    if (clean_text_) {
      if (c == 0 || c == 0xFFFD || is_control(c)) return true;
      if (c == '\t' || c == '\n' || c == '\r' || is_whitespace(c)) c = ' ';
    }
    if (c < 0x80) {  // no CJK, decomposition or mark; the class of a starter is 0
      out.push(lowercase_ && c >= 'A' && c <= 'Z' ? c + 32 : c);
      last_class = 0;
      return true;
    }
    bool cjk = chinese_ && is_chinese_char(c);
    if (cjk) {
      out.push(' ');
      last_class = 0;
    }
    if (!strip_accents_) {
      lower(c, out);
    } else {
      char32_t parts[4];
      for (int k = 0, n = decompose_canonical(c, parts); k < n; ++k) {
        int cls = combining_class(parts[k]);
        if (cls != 0 && last_class > cls) return false;
        last_class = cls;
        if (!is_mark_nonspacing(parts[k])) lower(parts[k], out);
      }
    }
    if (cjk) {
      out.push(' ');
      last_class = 0;
    }
    return true;
  }

  void lower(char32_t c, CharBuf& out) const {
    if (!lowercase_) {
      out.push(c);
      return;
    }
    char32_t l[2];
    for (int k = 0, n = to_lowercase(c, l); k < n; ++k) out.push(l[k]);
  }

  void step_by_step(NormalizedString& s) const {
    if (clean_text_) {
      s.filter([](char32_t c) { return !(c == 0 || c == 0xFFFD || is_control(c)); });
      s.map([](char32_t c) -> char32_t { return (c == '\t' || c == '\n' || c == '\r' || is_whitespace(c)) ? ' ' : c; });
    }
    if (chinese_) {
      std::vector<CharChange> dest;
      const std::string& str = s.get();
      bool any = false;
      for (size_t i = 0; i < str.size();) {
        int len;
        char32_t c = decode_utf8(str, i, &len);
        i += len;
        if (is_chinese_char(c)) {
          dest.push_back({' ', 0});
          dest.push_back({c, 1});
          dest.push_back({' ', 1});
          any = true;
        } else {
          dest.push_back({c, 0});
        }
      }
      if (any) s.transform(dest, 0);
    }
    if (strip_accents_) {
      s.nf(static_cast<int>(NormalForm::NFD));
      s.filter([](char32_t c) { return !is_mark_nonspacing(c); });
    }
    if (lowercase_) s.lowercase();
  }

  bool clean_text_, chinese_, lowercase_, strip_accents_;
};

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(const JsonRef& j) { return std::make_unique<BertNormalizer>(j); }

}  // namespace cuddle::tok
