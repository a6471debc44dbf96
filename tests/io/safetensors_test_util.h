// Helpers for the safetensors tests: building files byte by byte and capturing errors.
#pragma once
#include <string>

#include "cuddle/safetensors.h"

namespace cuddle::test {

// An 8-byte little-endian length, `header` verbatim, then `data`.
inline std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i) & 0xff);
  return out + header + data;
}

// The FormatError message parse_safetensors gives for `bytes`, or "" when they parse.
inline std::string parse_error(const std::string& bytes, const std::string& what = "t.safetensors") {
  try {
    parse_safetensors(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), what);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

}  // namespace cuddle::test
