// Unicode helpers with the semantics of Rust's `char` methods, which HF tokenizers relies
// on (is_whitespace, is_alphanumeric, to_lowercase, ...). Categories come from utf8proc.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cuddle::tok {

// Decodes the code point starting at s[i] (valid UTF-8 assumed; invalid bytes decode as
// U+FFFD of length 1) and returns its byte length through `len`. Inline: every scan over
// text calls it per char.
inline char32_t decode_utf8(std::string_view s, size_t i, int* len) {
  unsigned char c = s[i];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return k < n && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  if ((c & 0xE0) == 0xC0 && cont(1)) {
    *len = 2;
    return ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
  }
  if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    *len = 3;
    return ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
  }
  if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    *len = 4;
    return ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
  }
  *len = 1;
  return 0xFFFD;
}

inline int utf8_len(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }
void append_utf8(std::string& out, char32_t c);
std::vector<char32_t> to_chars(std::string_view s);
// Replaces invalid UTF-8 sequences with U+FFFD, as Rust's from_utf8_lossy does.
std::string utf8_lossy(std::string_view bytes);
bool is_valid_utf8(std::string_view bytes);

bool is_whitespace(char32_t c);        // Rust char::is_whitespace (White_Space property)
bool is_alphabetic(char32_t c);        // letters (L*) and other alphabetic
bool is_numeric(char32_t c);           // N*
bool is_alphanumeric(char32_t c);
bool is_punctuation(char32_t c);       // P*
bool is_other(char32_t c);             // C*
bool is_mark_nonspacing(char32_t c);   // Mn
bool is_combining_mark(char32_t c);    // Mn, Mc, Me
bool is_word_char(char32_t c);         // Rust regex \w: alphabetic, marks, Nd, Pc, Join_Control

// Full lowercase mapping into out[0..1] (U+0130 is the one char that gives two); returns
// how many chars.
int to_lowercase(char32_t c, char32_t out[2]);

int combining_class(char32_t c);       // canonical combining class (0 for starters)
// Canonical decomposition of one char (what NFD does to it before reordering), written
// to out[0..3]; returns how many chars.
int decompose_canonical(char32_t c, char32_t out[4]);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
// Normalizes a sequence of code points.
std::vector<char32_t> normalize(const std::vector<char32_t>& in, NormalForm form);

// Splits s into extended grapheme clusters (byte ranges).
std::vector<std::pair<size_t, size_t>> graphemes(std::string_view s);

}  // namespace cuddle::tok
