// SentencePiece's precompiled charsmap: a darts-clone double-array trie over UTF-8 keys
// whose values index NUL-terminated replacement strings. The blob (base64 in
// tokenizer.json) is [u32 LE trie byte size][trie units][replacement strings].
#include <array>
#include <cstring>
#include <vector>

#include "tokenizers/normalizers/normalizer.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

std::string base64_decode(const JsonRef& j) {
  std::string_view in = j.view();
  static const auto table = [] {
    std::array<int8_t, 256> t;
    t.fill(-1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = static_cast<int8_t>(i);
    return t;
  }();
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    int v = table[static_cast<unsigned char>(ch)];
    if (v < 0) j.fail("invalid base64 character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

class Precompiled : public Normalizer {
 public:
  explicit Precompiled(const JsonRef& j) {
    auto v = j.get("precompiled_charsmap");
    if (!v) return;
    std::string blob = base64_decode(*v);
    if (blob.empty()) return;
    if (blob.size() < 4) v->fail("precompiled charsmap shorter than its header");
    uint32_t trie_size;
    std::memcpy(&trie_size, blob.data(), 4);
    if (trie_size % 4 != 0 || trie_size > blob.size() - 4 || trie_size == 0)
      v->fail("precompiled charsmap trie size " + std::to_string(trie_size) + " does not fit the blob");
    units_.resize(trie_size / 4);
    std::memcpy(units_.data(), blob.data() + 4, trie_size);
    normalized_ = blob.substr(4 + trie_size);
  }

  void normalize(NormalizedString& s) const override {
    if (units_.empty()) return;
    const std::string& str = s.get();
    std::vector<CharChange> dest;
    dest.reserve(str.size());
    bool modified = false;
    std::string_view repl;
    for (auto [gb, ge] : graphemes(str)) {
      std::string_view g(str.data() + gb, ge - gb);
      if (g.size() < 6 && transform(g, &repl)) {
        modified = true;
        replace(dest, g, repl);
        continue;
      }
      for (size_t i = 0; i < g.size();) {
        int len;
        char32_t c = decode_utf8(g, i, &len);
        std::string_view part = g.substr(i, len);
        if (transform(part, &repl)) {
          modified = true;
          replace(dest, part, repl);
        } else {
          dest.push_back({c, 0});
        }
        i += len;
      }
    }
    if (modified) s.transform(dest, 0);
  }

 private:
  static uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
  static uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
  static bool has_leaf(uint32_t u) { return (u >> 8) & 1; }
  static size_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

  // The replacement of the shortest key that is a prefix of `chunk` (spm_precompiled's rule).
  bool transform(std::string_view chunk, std::string_view* out) const {
    size_t pos = offset(units_[0]);
    for (unsigned char c : chunk) {
      if (c == 0) break;
      pos ^= c;
      if (pos >= units_.size()) return false;
      uint32_t u = units_[pos];
      if (label(u) != c) return false;
      pos ^= offset(u);
      if (has_leaf(u)) {
        if (pos >= units_.size()) return false;
        size_t idx = value(units_[pos]);
        if (idx >= normalized_.size()) return false;
        size_t end = normalized_.find('\0', idx);
        *out = std::string_view(normalized_).substr(idx, end == std::string::npos ? std::string::npos : end - idx);
        return true;
      }
    }
    return false;
  }

  // Same change tagging as HF: extra chars are insertions, missing chars fold into the last.
  static void replace(std::vector<CharChange>& dest, std::string_view old_part, std::string_view new_part) {
    long old_count = static_cast<long>(to_chars(old_part).size());
    auto new_chars = to_chars(new_part);
    long diff = static_cast<long>(new_chars.size()) - old_count;
    for (char32_t c : new_chars) dest.push_back({c, 0});
    if (diff > 0) {
      for (long k = 0; k < diff && k < static_cast<long>(dest.size()); ++k) dest[dest.size() - 1 - k].change = 1;
    } else if (diff < 0 && !dest.empty()) {
      dest.back().change += static_cast<int>(diff);
    }
  }

  std::vector<uint32_t> units_;
  std::string normalized_;
};

}  // namespace

std::unique_ptr<Normalizer> make_precompiled(const JsonRef& j) { return std::make_unique<Precompiled>(j); }

}  // namespace cuddle::tok
