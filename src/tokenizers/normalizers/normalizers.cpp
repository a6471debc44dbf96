#include <utility>
#include <vector>

#include "tokenizers/normalizers/normalizer.h"
#include "tokenizers/pre_tokenizers/byte_level_alphabet.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm f) : form_(f) {}
  void normalize(NormalizedString& s) const override { s.nf(static_cast<int>(form_)); }

 private:
  NormalForm form_;
};

class Lowercase : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.lowercase(); }
};

class StripAccents : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.filter([](char32_t c) { return !is_combining_mark(c); });
  }
};

class Strip : public Normalizer {
 public:
  explicit Strip(const JsonRef& j) : left_(j.boolean("strip_left", true)), right_(j.boolean("strip_right", true)) {}
  void normalize(NormalizedString& s) const override { s.strip(left_, right_); }

 private:
  bool left_, right_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(const JsonRef& j) : prepend_(j.at("prepend").str()) {}
  void normalize(NormalizedString& s) const override { s.prepend(prepend_); }

 private:
  std::string prepend_;
};

class Replace : public Normalizer {
 public:
  explicit Replace(const JsonRef& j) : content_(j.at("content").str()) {
    JsonRef p = j.at("pattern");
    if (auto r = p.get("Regex")) regex_ = std::make_unique<Regex>(r->str());
    else literal_ = p.at("String").str();
  }
  void normalize(NormalizedString& s) const override {
    if (regex_) s.replace(find_matches(*regex_, s.get()), content_);
    else s.replace(find_matches_literal(literal_, s.get()), content_);
  }

 private:
  std::string content_, literal_;
  std::unique_ptr<Regex> regex_;
};

// SentencePiece's NMT normalization: drop control chars, turn odd spaces into ' '.
class Nmt : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.filter([](char32_t c) {
      return !((c >= 0x0001 && c <= 0x0008) || c == 0x000B || (c >= 0x000E && c <= 0x001F) || c == 0x007F ||
               c == 0x008F || c == 0x009F);
    });
    s.map([](char32_t c) -> char32_t {
      switch (c) {
        case 0x0009: case 0x000A: case 0x000C: case 0x000D: case 0x1680: case 0x200B: case 0x200C: case 0x200D:
        case 0x200E: case 0x200F: case 0x2028: case 0x2029: case 0x2581: case 0xFEFF: case 0xFFFD:
          return ' ';
        default:
          return c;
      }
    });
  }
};

class ByteLevelNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { byte_level_transform(s); }
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(const JsonRef& j) {
    JsonRef list = j.at("normalizers");
    for (const auto& e : list.elements()) parts_.push_back(make_normalizer(e));
  }
  void normalize(NormalizedString& s) const override {
    for (const auto& p : parts_) p->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

void byte_level_transform(NormalizedString& s) {
  const auto& table = byte_to_char();
  const std::string& str = s.get();
  std::vector<CharChange> dest;
  dest.reserve(str.size());
  for (size_t i = 0; i < str.size();) {
    int len;
    decode_utf8(str, i, &len);
    for (int k = 0; k < len; ++k) dest.push_back({table[static_cast<unsigned char>(str[i + k])], k > 0 ? 1 : 0});
    i += len;
  }
  s.transform(dest, 0);
}

std::unique_ptr<Normalizer> make_normalizer(const JsonRef& j) {
  std::string t = j.type_name();
  if (t == "BertNormalizer") return make_bert_normalizer(j);
  if (t == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFC);
  if (t == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFD);
  if (t == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKC);
  if (t == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKD);
  if (t == "Lowercase") return std::make_unique<Lowercase>();
  if (t == "StripAccents") return std::make_unique<StripAccents>();
  if (t == "Strip") return std::make_unique<Strip>(j);
  if (t == "Prepend") return std::make_unique<Prepend>(j);
  if (t == "Replace") return std::make_unique<Replace>(j);
  if (t == "Precompiled") return make_precompiled(j);
  if (t == "Nmt") return std::make_unique<Nmt>();
  if (t == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
  if (t == "Sequence") return std::make_unique<Sequence>(j);
  throw UnknownComponentError(j.path + ".type: unknown normalizer type \"" + t + "\"");
}

}  // namespace cuddle::tok
