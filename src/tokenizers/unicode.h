// Unicode helpers with the semantics of Rust's `char` methods, which HF tokenizers relies
// on (is_whitespace, is_alphanumeric, to_lowercase, ...). Categories come from utf8proc.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cuddle::tok {

// Decodes the code point starting at s[i] (valid UTF-8 assumed; invalid bytes decode as
// U+FFFD of length 1) and returns its byte length through `len`.
char32_t decode_utf8(std::string_view s, size_t i, int* len);
int utf8_len(char32_t c);
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

// Full lowercase mapping (may produce more than one char, e.g. U+0130).
void to_lowercase(char32_t c, std::vector<char32_t>& out);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
// Normalizes a sequence of code points.
std::vector<char32_t> normalize(const std::vector<char32_t>& in, NormalForm form);

// Splits s into extended grapheme clusters (byte ranges).
std::vector<std::pair<size_t, size_t>> graphemes(std::string_view s);

}  // namespace cuddle::tok
