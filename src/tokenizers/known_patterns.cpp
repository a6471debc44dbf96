// The scanners follow PCRE2's matching order for their pattern: alternatives left to
// right, greedy quantifiers giving back one char at a time. Each comment shows the
// alternative it implements. tests/tokenizers/known_patterns_test.cpp compares them with
// PCRE2 on every code point and on adversarial strings.
#include "tokenizers/known_patterns.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

// The char classes the patterns use, as bits.
enum : uint16_t {
  kLu = 1, kLl = 2, kLt = 4, kLm = 8, kLo = 16,  // \p{Lu} ...
  kMark = 32,                                    // \p{M}
  kNumber = 64,                                  // \p{N}
  kSpace = 128,                                  // \s
  kCrLf = 256,                                   // \r or \n
  kLetter = kLu | kLl | kLt | kLm | kLo,         // \p{L}
};

// Code points assigned in Unicode 15.0, which utf8proc 2.8 knows but PCRE2 10.42 (Unicode
// 14) treats as unassigned; classed as unassigned so the scanners agree with PCRE2.
constexpr std::pair<char32_t, char32_t> kNewInUnicode15[] = {
    {0xCF3, 0xCF3},       {0xECE, 0xECE},       {0x10EFD, 0x10EFF}, {0x1123F, 0x11241}, {0x11B00, 0x11B09},
    {0x11F00, 0x11F10},   {0x11F12, 0x11F3A},   {0x11F3E, 0x11F59}, {0x1342F, 0x1342F}, {0x13439, 0x13455},
    {0x1B132, 0x1B132},   {0x1B155, 0x1B155},   {0x1D2C0, 0x1D2D3}, {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D},
    {0x1E08F, 0x1E08F},   {0x1E4D0, 0x1E4F9},   {0x1F6DC, 0x1F6DC}, {0x1F774, 0x1F776}, {0x1F77B, 0x1F77F},
    {0x1F7D9, 0x1F7D9},   {0x1FA75, 0x1FA77},   {0x1FA87, 0x1FA88}, {0x1FAAD, 0x1FAAF}, {0x1FABB, 0x1FABD},
    {0x1FABF, 0x1FABF},   {0x1FACE, 0x1FACF},   {0x1FADA, 0x1FADB}, {0x1FAE8, 0x1FAE8}, {0x1FAF7, 0x1FAF8},
    {0x2B739, 0x2B739},   {0x31350, 0x323AF},
};

bool new_in_unicode15(char32_t c) {
  auto it = std::upper_bound(std::begin(kNewInUnicode15), std::end(kNewInUnicode15), c,
                             [](char32_t x, const auto& r) { return x < r.first; });
  return it != std::begin(kNewInUnicode15) && c <= std::prev(it)->second;
}

// PCRE2's \s with UCP: \p{Z}, \h and \v.
bool pcre2_space(char32_t c) {
  return (c >= 0x9 && c <= 0xD) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || c == 0x180E ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

uint16_t classify(char32_t c) {
  uint16_t bits = pcre2_space(c) ? kSpace : 0;
  if (c == '\r' || c == '\n') bits |= kCrLf;
  if (c >= 0x80 && new_in_unicode15(c)) return bits;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: return bits | kLu;
    case UTF8PROC_CATEGORY_LL: return bits | kLl;
    case UTF8PROC_CATEGORY_LT: return bits | kLt;
    case UTF8PROC_CATEGORY_LM: return bits | kLm;
    case UTF8PROC_CATEGORY_LO: return bits | kLo;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: return bits | kMark;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO: return bits | kNumber;
    default: return bits;
  }
}

// classify() for the Basic Multilingual Plane, built on first use (65536 lookups, about
// a millisecond); other planes are classified per char.
const uint16_t* bmp_classes() {
  static const std::vector<uint16_t> table = [] {
    std::vector<uint16_t> t(0x10000);
    for (char32_t c = 0; c < 0x10000; ++c) t[c] = classify(c);
    return t;
  }();
  return table.data();
}

// A char of the input: code point, classes and byte length (0 past the end).
struct Char {
  char32_t cp;
  uint16_t cls;
  int len;
};

// Walks the input by byte offset, classifying chars on the fly; alternatives that give
// back chars keep the offsets they may return to while going forward.
struct Text {
  std::string_view s;
  const uint16_t* classes_ = bmp_classes();

  Char at(size_t i) const {
    if (i >= s.size()) return {0, 0, 0};
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) return {b, classes_[b], 1};
    int len;
    char32_t c = decode_utf8(s, i, &len);
    return {c, c < 0x10000 ? classes_[c] : classify(c), len};
  }
  bool is(size_t i, uint16_t bits) const { return (at(i).cls & bits) != 0; }
  // [^\s\p{L}\p{N}] (a real char, not the end)
  bool other(size_t i) const { return i < s.size() && !is(i, kSpace | kLetter | kNumber); }
  // End of the run of chars having one of `bits` (at most max_chars of them), from i.
  size_t run(size_t i, uint16_t bits, size_t max_chars = SIZE_MAX) const {
    for (size_t k = 0; k < max_chars; ++k) {
      Char c = at(i);
      if (!(c.cls & bits)) break;
      i += c.len;
    }
    return i;
  }
  size_t run_other(size_t i) const {
    while (other(i)) i += at(i).len;
    return i;
  }
};

// 's|'t|'re|'ve|'m|'ll|'d at i: the end, or 0. Case-insensitively PCRE2 also folds s to
// U+017F (long s).
size_t contraction(const Text& t, size_t i, bool caseless) {
  if (t.at(i).cp != '\'') return 0;
  size_t k1 = i + 1;
  Char c1 = t.at(k1), c2 = t.at(k1 + c1.len);
  auto is = [&](const Char& c, char lower) {
    if (c.cp == static_cast<char32_t>(lower)) return true;
    return caseless && (c.cp == static_cast<char32_t>(lower - 'a' + 'A') || (lower == 's' && c.cp == 0x17F));
  };
  size_t after1 = k1 + c1.len, after2 = after1 + c2.len;
  if (is(c1, 's') || is(c1, 't') || is(c1, 'm') || is(c1, 'd')) return after1;
  if ((is(c1, 'r') || is(c1, 'v')) && is(c2, 'e')) return after2;
  if (is(c1, 'l') && is(c2, 'l')) return after2;
  return 0;
}

// The whitespace alternatives the patterns end with, at i: `\s*[\r\n]+` (when with_crlf),
// `\s+(?!\S)`, `\s+`. Returns the end, or 0.
size_t whitespace(const Text& t, size_t i, bool with_crlf) {
  size_t end = i, last_start = i, after_crlf = 0, chars = 0;
  for (Char c = t.at(end); c.cls & kSpace; c = t.at(end)) {
    last_start = end;
    end += c.len;
    ++chars;
    if (c.cls & kCrLf) after_crlf = end;
  }
  if (chars == 0) return 0;
  // \s* gives back chars until [\r\n]+ can start: the match ends after the last CR/LF.
  if (with_crlf && after_crlf) return after_crlf;
  if (end == t.s.size()) return end;  // \s+(?!\S) at the end of the input
  if (chars >= 2) return last_start;  // \s+(?!\S) giving back one char, so a \s follows
  return end;                         // \s+
}

// ` ?[^\s\p{L}\p{N}]+` at i: the end, or 0.
size_t space_other_plus(const Text& t, size_t i) {
  size_t p = t.at(i).cp == ' ' && t.other(i + 1) ? i + 1 : i;
  return t.other(p) ? t.run_other(p) : 0;
}

// [^\r\n\p{L}\p{N}]: the optional char before a word; its byte length, or 0.
int word_lead(const Text& t, size_t i) {
  Char c = t.at(i);
  return c.len && !(c.cls & (kCrLf | kLetter | kNumber)) ? c.len : 0;
}

// Llama-3 (kMaxDigits 3) and Qwen2 (kMaxDigits 1):
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
template <size_t kMaxDigits>
size_t llama3_at(const Text& t, size_t i) {
  Char c = t.at(i);
  if (c.cp == '\'')
    if (size_t e = contraction(t, i, true)) return e;
  if (c.cls & kLetter) return t.run(i + c.len, kLetter);
  if (c.cls & kNumber) return t.run(i, kNumber, kMaxDigits);
  // Not a letter or number: c is [^\r\n\p{L}\p{N}] unless a line break.
  if (!(c.cls & kCrLf) && t.is(i + c.len, kLetter)) return t.run(i + c.len, kLetter);
  if (size_t e = space_other_plus(t, i)) return t.run(e, kCrLf);
  return whitespace(t, i, true);
}

// GPT-4o (o200k):
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...)?|
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...)?|
//   \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
constexpr uint16_t kUpper = kLu | kLt | kLm | kLo | kMark, kLower = kLl | kLm | kLo | kMark;

size_t with_contraction(const Text& t, size_t end) {
  size_t e = contraction(t, end, true);
  return e ? e : end;
}

// [upper]*[lower]+ from p: the end, or 0. The upper run gives back chars until a lower
// one can start, so without a lower char after it, the match ends after its last lower.
size_t upper_star_lower_plus(const Text& t, size_t p) {
  size_t q = p, after_lower = 0;
  for (Char c = t.at(q); c.cls & kUpper; c = t.at(q)) {
    q += c.len;
    if (c.cls & kLower) after_lower = q;
  }
  if (t.is(q, kLower)) return t.run(q, kLower);
  return after_lower;
}

size_t gpt4o_at(const Text& t, size_t i) {
  int lead = word_lead(t, i);
  if (lead)
    if (size_t e = upper_star_lower_plus(t, i + lead)) return with_contraction(t, e);
  if (size_t e = upper_star_lower_plus(t, i)) return with_contraction(t, e);
  if (lead && t.is(i + lead, kUpper)) return with_contraction(t, t.run(t.run(i + lead, kUpper), kLower));
  if (t.is(i, kUpper)) return with_contraction(t, t.run(t.run(i, kUpper), kLower));
  if (t.is(i, kNumber)) return t.run(i, kNumber, 3);
  if (size_t e = space_other_plus(t, i)) {
    for (Char c = t.at(e); (c.cls & kCrLf) || c.cp == '/'; c = t.at(e)) e += c.len;
    return e;
  }
  return whitespace(t, i, true);
}

// GPT-2 (ByteLevel): 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t gpt2_at(const Text& t, size_t i) {
  if (size_t e = contraction(t, i, false)) return e;
  size_t p = t.at(i).cp == ' ' ? i + 1 : i;  // ' ' is in neither class: no need to retry without it
  if (t.is(p, kLetter)) return t.run(p, kLetter);
  if (t.is(p, kNumber)) return t.run(p, kNumber);
  if (size_t e = space_other_plus(t, i)) return e;
  return whitespace(t, i, false);
}

template <size_t (*At)(const Text&, size_t)>
void scan(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) {
  Text t{s};
  for (size_t i = 0; i < s.size();) {
    size_t e = At(t, i);
    if (e == 0) {  // no alternative matches here: the search moves on one char
      i += t.at(i).len;
      continue;
    }
    out.emplace_back(i, e);
    i = e;
  }
}

constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace

PatternScanner known_pattern_scanner(std::string_view pattern) {
  if (pattern == kLlama3) return scan<llama3_at<3>>;
  if (pattern == kQwen2) return scan<llama3_at<1>>;
  if (pattern == kGpt4o) return scan<gpt4o_at>;
  if (pattern == kGpt2) return scan<gpt2_at>;
  return nullptr;
}

std::string_view gpt2_pattern() { return kGpt2; }

std::vector<std::string_view> known_patterns() { return {kLlama3, kQwen2, kGpt4o, kGpt2}; }

}  // namespace cuddle::tok
