// GPT-2's byte-to-unicode table: every byte gets a printable char, so byte-level BPE
// vocabularies are plain strings. Shared by the ByteLevel normalizer, pre-tokenizer and
// decoder.
#pragma once
#include <array>
#include <cstdint>

namespace cuddle::tok {

const std::array<char32_t, 256>& byte_to_char();
// The byte a char stands for, or -1 if the char is not in the table.
int char_to_byte(char32_t c);

}  // namespace cuddle::tok
