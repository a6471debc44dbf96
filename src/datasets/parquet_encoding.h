// Parquet value and level encodings over a bounded byte range: the RLE / bit-packed
// hybrid (levels, dictionary indices, RLE booleans) and PLAIN values. Every read is
// checked against the range; a short or malformed run throws FormatError naming `what`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cuddle::parquet_detail {

struct ByteRange {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  std::string what;

  [[noreturn]] void fail(const std::string& msg) const;
  size_t left() const { return size - pos; }
  const uint8_t* take(size_t n);  // n bytes, advancing; throws when fewer are left
  uint32_t u32();                 // little-endian
  uint64_t uleb128();
};

// `count` values of `bit_width` bits (0..32) in the RLE / bit-packed hybrid encoding.
std::vector<uint32_t> decode_rle_hybrid(ByteRange& in, int bit_width, size_t count);

// Bits needed for values 0..max_value.
int bit_width_of(uint32_t max_value);

}  // namespace cuddle::parquet_detail
