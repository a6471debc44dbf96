// Text reader: datasets' text builder, one "text" row per line, split as Python's
// str.splitlines splits (keep_linebreaks=False).
#include "cuddle/datasets.h"
#include "cuddle/mapped_file.h"

namespace cuddle::datasets {

namespace {

// Length of the line break starting at s[i], 0 when there is none. Python's splitlines
// breaks at \n, \r, \r\n, \v, \f, \x1c-\x1e and the UTF-8 encodings of U+0085, U+2028
// and U+2029.
size_t line_break_at(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == '\r') return i + 1 < s.size() && s[i + 1] == '\n' ? 2 : 1;
  if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e)) return 1;
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) return 2;
  if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9))
    return 3;
  return 0;
}

}  // namespace

Dataset parse_text(std::string_view text) {
  arrow::ArrayBuilder b(arrow::utf8());
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    if (size_t n = line_break_at(text, i)) {
      b.append_bytes(text.substr(start, i - start));
      i += n;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < text.size()) b.append_bytes(text.substr(start));
  arrow::ArrayPtr a = b.finish();
  return Dataset(arrow::make_table({arrow::Field{"text", arrow::utf8(), true, {}}}, {a}));
}

Dataset read_text(const std::string& path) {
  auto f = MappedFile::open(path);
  return parse_text(std::string_view(reinterpret_cast<const char*>(f->data()), f->size()));
}

}  // namespace cuddle::datasets
