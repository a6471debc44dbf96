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

// DELTA_BINARY_PACKED: `count` integers (blocks of miniblocks of bit-packed deltas from a
// per-block minimum), wrapping as the format specifies. Leaves `in` after the last
// miniblock that holds values.
std::vector<int64_t> decode_delta_binary_packed(ByteRange& in, size_t count);
// DELTA_LENGTH_BYTE_ARRAY: delta-packed lengths, then the values' bytes back to back.
std::vector<std::string> decode_delta_length_byte_array(ByteRange& in, size_t count);
// DELTA_BYTE_ARRAY: delta-packed prefix lengths (shared with the previous value), then
// the suffixes as DELTA_LENGTH_BYTE_ARRAY.
std::vector<std::string> decode_delta_byte_array(ByteRange& in, size_t count);
// BYTE_STREAM_SPLIT: `width` streams (byte k of every value) back into PLAIN order.
std::vector<uint8_t> unsplit_byte_streams(ByteRange& in, size_t width, size_t count);

// Bits needed for values 0..max_value.
int bit_width_of(uint32_t max_value);

}  // namespace cuddle::parquet_detail
