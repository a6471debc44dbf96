#include "tokenizers/unicode.h"

#include <utf8proc.h>

namespace cuddle::tok {

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::vector<char32_t> to_chars(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int len;
    out.push_back(decode_utf8(s, i, &len));
    i += len;
  }
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
  utf8proc_ssize_t n = static_cast<utf8proc_ssize_t>(bytes.size()), i = 0;
  while (i < n) {
    if (p[i] < 0x80) {  // ASCII needs no decoding
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(p + i, n - i, &cp);
    if (k < 0) return false;
    i += k;
  }
  return true;
}

// Rust's from_utf8_lossy replaces each maximal invalid prefix with one U+FFFD.
std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t need = c < 0x80 ? 0 : (c >= 0xC2 && c <= 0xDF) ? 1 : (c >= 0xE0 && c <= 0xEF) ? 2 : (c >= 0xF0 && c <= 0xF4) ? 3 : 99;
    if (need == 0) { out += static_cast<char>(c); ++i; continue; }
    if (need == 99) { out += "\xEF\xBF\xBD"; ++i; continue; }
    size_t k = 1;
    for (; k <= need && i + k < n; ++k) {
      unsigned char d = p[i + k];
      unsigned char lo = 0x80, hi = 0xBF;
      if (k == 1) {
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      }
      if (d < lo || d > hi) break;
    }
    if (k == need + 1) {
      out.append(bytes.substr(i, need + 1));
      i += need + 1;
    } else {
      out += "\xEF\xBF\xBD";
      i += k;
    }
  }
  return out;
}

bool is_whitespace(char32_t c) {
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

static utf8proc_category_t cat(char32_t c) {
  return static_cast<utf8proc_category_t>(utf8proc_category(static_cast<utf8proc_int32_t>(c)));
}

bool is_alphabetic(char32_t c) {
  auto k = cat(c);
  return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) || k == UTF8PROC_CATEGORY_NL;
}
bool is_numeric(char32_t c) {
  auto k = cat(c);
  return k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO;
}
bool is_alphanumeric(char32_t c) { return is_alphabetic(c) || is_numeric(c); }
bool is_punctuation(char32_t c) {
  auto k = cat(c);
  return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}
bool is_other(char32_t c) {
  auto k = cat(c);
  return k == UTF8PROC_CATEGORY_CN || (k >= UTF8PROC_CATEGORY_CC && k <= UTF8PROC_CATEGORY_CO);
}
bool is_mark_nonspacing(char32_t c) { return cat(c) == UTF8PROC_CATEGORY_MN; }
bool is_combining_mark(char32_t c) {
  auto k = cat(c);
  return k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME;
}
// Rust regex's \w (UTS #18): Alphabetic, marks, decimal digits, connector punctuation and
// Join_Control. Alphabetic is approximated by letters, letter numbers and the symbol
// blocks with Other_Alphabetic (circled / squared letters).
bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (c == 0x200C || c == 0x200D) return true;
  if ((c >= 0x24B6 && c <= 0x24E9) || (c >= 0x1F130 && c <= 0x1F149) || (c >= 0x1F150 && c <= 0x1F169) ||
      (c >= 0x1F170 && c <= 0x1F189))
    return true;
  auto k = cat(c);
  return is_alphabetic(c) || is_combining_mark(c) || k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_PC;
}

int to_lowercase(char32_t c, char32_t out[2]) {
  if (c < 0x80) {
    out[0] = c >= 'A' && c <= 'Z' ? c + 32 : c;
    return 1;
  }
  if (c == 0x130) {  // the one unconditional multi-char lowercase mapping
    out[0] = 'i';
    out[1] = 0x307;
    return 2;
  }
  out[0] = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
  return 1;
}

int combining_class(char32_t c) { return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class; }

int decompose_canonical(char32_t c, char32_t out[4]) {
  utf8proc_int32_t buf[4];
  int boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 4,
                                               static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE), &boundclass);
  if (n < 1 || n > 4) {  // not decomposable (or an invalid code point): the char itself
    out[0] = c;
    return 1;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) out[i] = static_cast<char32_t>(buf[i]);
  return static_cast<int>(n);
}

std::vector<char32_t> normalize(const std::vector<char32_t>& in, NormalForm form) {
  int options = UTF8PROC_STABLE;
  switch (form) {
    case NormalForm::NFC: options |= UTF8PROC_COMPOSE; break;
    case NormalForm::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case NormalForm::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalForm::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  }
  std::vector<utf8proc_int32_t> buf(in.size() * 4 + 16);
  // Decompose char by char, then reorder/compose the whole buffer.
  utf8proc_ssize_t n = 0;
  for (char32_t c : in) {
    for (;;) {
      int last_boundclass = 0;
      utf8proc_ssize_t k = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf.data() + n,
                                                   buf.size() - n, static_cast<utf8proc_option_t>(options), &last_boundclass);
      if (k < 0) { k = 1; buf[n] = 0xFFFD; }
      if (n + k > static_cast<utf8proc_ssize_t>(buf.size())) {
        buf.resize(buf.size() * 2 + k);
        continue;
      }
      n += k;
      break;
    }
  }
  utf8proc_ssize_t m = utf8proc_normalize_utf32(buf.data(), n, static_cast<utf8proc_option_t>(options));
  if (m < 0) m = n;
  return std::vector<char32_t>(buf.begin(), buf.begin() + m);
}

std::vector<std::pair<size_t, size_t>> graphemes(std::string_view s) {
  std::vector<std::pair<size_t, size_t>> out;
  utf8proc_int32_t state = 0;
  char32_t prev = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    int len;
    char32_t c = decode_utf8(s, i, &len);
    if (i > 0 && utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev), static_cast<utf8proc_int32_t>(c), &state)) {
      out.emplace_back(start, i);
      start = i;
    }
    prev = c;
    i += len;
  }
  if (start < s.size()) out.emplace_back(start, s.size());
  return out;
}

}  // namespace cuddle::tok
