// Fuzzes tokenizer.json loading and encoding. The input is a tokenizer.json document, then
// optionally a NUL byte and a text to encode. Loading and encoding may only fail with
// cuddle::Error; accepted inputs must give offsets inside the text, and decoding the ids
// must not fail.
#include <cstring>
#include <string>

#include "cuddle/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  const char* nul = static_cast<const char*>(std::memchr(bytes, 0, size));
  std::string json(bytes, nul ? nul - bytes : size);
  std::string text = nul ? std::string(nul + 1, bytes + size) : std::string("Hello, world! 123 caf\xC3\xA9");
  try {
    cuddle::Tokenizer tok = cuddle::Tokenizer::from_json(json, "fuzz.json");
    cuddle::Encoding e = tok.encode(text, true, cuddle::OffsetType::Byte);
    for (auto [s, t] : e.offsets)
      if (s > t || t > text.size()) __builtin_trap();
    for (const auto& o : e.overflowing)
      for (auto [s, t] : o.offsets)
        if (s > t || t > text.size()) __builtin_trap();
    tok.decode(e.ids, false);
    tok.decode(e.ids, true);
  } catch (const cuddle::Error&) {
  }
  return 0;
}
