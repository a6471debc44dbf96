#include "tokenizers/pre_tokenizers/byte_level_alphabet.h"

namespace cuddle::tok {

// Printable Latin-1 bytes map to themselves; the others map to U+0100 upwards in order.
static std::array<char32_t, 256> build() {
  std::array<char32_t, 256> t{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    t[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return t;
}

const std::array<char32_t, 256>& byte_to_char() {
  static const std::array<char32_t, 256> table = build();
  return table;
}

int char_to_byte(char32_t c) {
  static const auto inverse = [] {
    std::array<int16_t, 324> inv;
    inv.fill(-1);
    const auto& t = byte_to_char();
    for (int b = 0; b < 256; ++b) inv[t[b]] = static_cast<int16_t>(b);
    return inv;
  }();
  return c < inverse.size() ? inverse[c] : -1;
}

}  // namespace cuddle::tok
