// Names read from files go into error messages quoted, with control characters escaped and
// long names cut, so that a message stays one readable line whatever the file holds.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace cuddle::io {

inline std::string quote(std::string_view s) {
  constexpr size_t kMax = 120;
  size_t n = s.size();
  if (n > kMax) {
    n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 chars
  }
  std::string out = "\"";
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += n < s.size() ? "\"..." : "\"";
  return out;
}

}  // namespace cuddle::io
