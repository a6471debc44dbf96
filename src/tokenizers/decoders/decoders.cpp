#include <algorithm>

#include "tokenizers/decoders/decoder.h"
#include "tokenizers/pattern.h"
#include "tokenizers/pre_tokenizers/byte_level_alphabet.h"
#include "tokenizers/pre_tokenizers/metaspace.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {

std::string Decoder::decode(std::vector<std::string> tokens) const {
  std::string out;
  for (auto& t : decode_chain(std::move(tokens))) out += t;
  return out;
}

static void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  size_t pos = 0;
  for (size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, pos)) {
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

std::string wordpiece_cleanup(std::string s) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (auto [a, b] : rules) replace_all(s, a, b);
  return s;
}

namespace {

using Tokens = std::vector<std::string>;

class ByteLevelDecoder : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      std::string mapped;
      bool ok = true;
      for (char32_t c : to_chars(t)) {
        int b = char_to_byte(c);
        if (b < 0) {
          ok = false;
          break;
        }
        mapped += static_cast<char>(b);
      }
      bytes += ok ? mapped : t;
    }
    return {utf8_lossy(bytes)};
  }
};

class WordPieceDecoder : public Decoder {
 public:
  explicit WordPieceDecoder(const JsonRef& j) : prefix_(j.str("prefix", "##")), cleanup_(j.boolean("cleanup", true)) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      auto& t = tokens[i];
      if (i != 0) {
        if (t.compare(0, prefix_.size(), prefix_) == 0) t.erase(0, prefix_.size());
        else t.insert(0, " ");
      }
      if (cleanup_) t = wordpiece_cleanup(std::move(t));
    }
    return tokens;
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class MetaspaceDecoder : public Decoder {
 public:
  explicit MetaspaceDecoder(const JsonRef& j) : c_(parse_metaspace(j)) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      for (char32_t c : to_chars(tokens[i])) {
        if (c == c_.replacement) {
          // The first token loses every replacement char when a prefix was prepended.
          if (i == 0 && c_.scheme != PrependScheme::Never) continue;
          out += ' ';
        } else {
          append_utf8(out, c);
        }
      }
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  MetaspaceConfig c_;
};

class BPEDecoder : public Decoder {
 public:
  explicit BPEDecoder(const JsonRef& j) : suffix_(j.str("suffix", "</w>")) {}
  Tokens decode_chain(Tokens tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    return tokens;
  }

 private:
  std::string suffix_;
};

class ByteFallbackDecoder : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    Tokens out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      if (is_valid_utf8(pending)) out.push_back(pending);
      else
        for (size_t k = 0; k < pending.size(); ++k) out.push_back("\xEF\xBF\xBD");
      pending.clear();
    };
    for (auto& t : tokens) {
      int byte = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        char* end;
        std::string hex = t.substr(3, 2);
        long v = std::strtol(hex.c_str(), &end, 16);
        if (*end == 0 && std::isxdigit(static_cast<unsigned char>(hex[0])) && std::isxdigit(static_cast<unsigned char>(hex[1])))
          byte = static_cast<int>(v);
      }
      if (byte >= 0) {
        pending += static_cast<char>(byte);
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    return out;
  }
};

class FuseDecoder : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens) const override {
    std::string all;
    for (auto& t : tokens) all += t;
    return {all};
  }
};

class StripDecoder : public Decoder {
 public:
  explicit StripDecoder(const JsonRef& j)
      : start_(static_cast<size_t>(j.integer("start", 0))), stop_(static_cast<size_t>(j.integer("stop", 0))) {
    auto c = to_chars(j.at("content").view());
    if (c.size() != 1) j.at("content").fail("expected a single character");
    content_ = c[0];
  }
  Tokens decode_chain(Tokens tokens) const override {
    for (auto& t : tokens) {
      auto chars = to_chars(t);
      size_t cut_start = 0, cut_stop = chars.size();
      for (size_t i = 0; i < start_ && i < chars.size() && chars[i] == content_; ++i) cut_start = i + 1;
      for (size_t i = 0; i < stop_ && i < chars.size(); ++i) {
        size_t idx = chars.size() - i - 1;
        if (chars[idx] != content_) break;
        cut_stop = idx;
      }
      std::string out;
      for (size_t i = cut_start; i < std::max(cut_start, cut_stop); ++i) append_utf8(out, chars[i]);
      t = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  explicit ReplaceDecoder(const JsonRef& j) : content_(j.at("content").str()) {
    JsonRef p = j.at("pattern");
    if (auto r = p.get("Regex")) regex_ = std::make_unique<Regex>(r->str());
    else literal_ = p.at("String").str();
  }
  Tokens decode_chain(Tokens tokens) const override {
    for (auto& t : tokens) {
      if (!regex_) {
        replace_all(t, literal_, content_);
        continue;
      }
      std::string out;
      for (const auto& m : find_matches(*regex_, t)) out += m.is_match ? content_ : t.substr(m.start, m.end - m.start);
      t = std::move(out);
    }
    return tokens;
  }

 private:
  std::string content_, literal_;
  std::unique_ptr<Regex> regex_;
};

class CTCDecoder : public Decoder {
 public:
  explicit CTCDecoder(const JsonRef& j)
      : pad_(j.str("pad_token", "<pad>")), delim_(j.str("word_delimiter_token", "|")), cleanup_(j.boolean("cleanup", true)) {}
  Tokens decode_chain(Tokens tokens) const override {
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    Tokens out;
    for (auto& t : tokens) {
      replace_all(t, pad_, "");
      if (cleanup_) {
        t = wordpiece_cleanup(std::move(t));
        replace_all(t, delim_, " ");
      }
      if (!t.empty()) out.push_back(std::move(t));
    }
    return out;
  }

 private:
  std::string pad_, delim_;
  bool cleanup_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(const JsonRef& j) {
    JsonRef list = j.at("decoders");
    for (const auto& e : list.elements()) parts_.push_back(make_decoder(e));
  }
  Tokens decode_chain(Tokens tokens) const override {
    for (auto& p : parts_) tokens = p->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const JsonRef& j) {
  std::string t = j.type_name();
  if (t == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (t == "WordPiece") return std::make_unique<WordPieceDecoder>(j);
  if (t == "Metaspace") return std::make_unique<MetaspaceDecoder>(j);
  if (t == "BPEDecoder") return std::make_unique<BPEDecoder>(j);
  if (t == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (t == "Fuse") return std::make_unique<FuseDecoder>();
  if (t == "Strip") return std::make_unique<StripDecoder>(j);
  if (t == "Replace") return std::make_unique<ReplaceDecoder>(j);
  if (t == "CTC") return std::make_unique<CTCDecoder>(j);
  if (t == "Sequence") return std::make_unique<SequenceDecoder>(j);
  throw UnknownComponentError(j.path + ".type: unknown decoder type \"" + t + "\"");
}

}  // namespace cuddle::tok
