#include "parquet_encoding.h"

#include <cstring>

#include "cuddle/error.h"

namespace cuddle::parquet_detail {

void ByteRange::fail(const std::string& msg) const { throw FormatError(what + ": " + msg); }

const uint8_t* ByteRange::take(size_t n) {
  if (n > left()) fail("needs " + std::to_string(n) + " more bytes, " + std::to_string(left()) + " left");
  const uint8_t* p = data + pos;
  pos += n;
  return p;
}

uint32_t ByteRange::u32() {
  uint32_t v;
  std::memcpy(&v, take(4), 4);
  return v;
}

uint64_t ByteRange::uleb128() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = *take(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  fail("varint longer than 10 bytes");
}

int bit_width_of(uint32_t max_value) {
  int w = 0;
  while (max_value >> w) ++w;
  return w;
}

std::vector<uint32_t> decode_rle_hybrid(ByteRange& in, int bit_width, size_t count) {
  if (bit_width < 0 || bit_width > 32) in.fail("bit width " + std::to_string(bit_width) + " outside 0..32");
  std::vector<uint32_t> out;
  out.reserve(count);
  const size_t value_bytes = static_cast<size_t>(bit_width + 7) / 8;
  const uint64_t mask = bit_width == 32 ? 0xffffffffULL : (1ULL << bit_width) - 1;
  while (out.size() < count) {
    const uint64_t header = in.uleb128();
    if (header & 1) {  // bit-packed groups of 8 values, least significant bit first
      const uint64_t groups = header >> 1;
      if (groups == 0 || groups > (uint64_t{1} << 40)) in.fail("bit-packed run of " + std::to_string(groups) + " groups");
      const size_t bytes = static_cast<size_t>(groups) * static_cast<size_t>(bit_width);
      // The last run may stop short of its declared groups at the end of the range.
      const uint8_t* p = in.data + in.pos;
      const size_t avail = std::min(bytes, in.left());
      in.pos += avail;
      const size_t values = static_cast<size_t>(groups) * 8;
      for (size_t i = 0; i < values && out.size() < count; ++i) {
        const size_t bit = i * static_cast<size_t>(bit_width);
        uint64_t v = 0;
        for (size_t k = 0; k < static_cast<size_t>(bit_width + 7) / 8 + 1; ++k) {
          const size_t byte = bit / 8 + k;
          if (byte < avail) v |= static_cast<uint64_t>(p[byte]) << (8 * k);
        }
        if ((bit + static_cast<size_t>(bit_width) + 7) / 8 > avail) in.fail("bit-packed run runs past the end");
        out.push_back(static_cast<uint32_t>((v >> (bit % 8)) & mask));
      }
    } else {  // a value repeated header >> 1 times
      const uint64_t run = header >> 1;
      if (run == 0) in.fail("empty RLE run");
      uint32_t v = 0;
      const uint8_t* p = in.take(value_bytes);
      for (size_t k = 0; k < value_bytes; ++k) v |= static_cast<uint32_t>(p[k]) << (8 * k);
      if (v > mask) in.fail("RLE value " + std::to_string(v) + " wider than " + std::to_string(bit_width) + " bits");
      const size_t n = static_cast<size_t>(std::min<uint64_t>(run, count - out.size()));
      out.insert(out.end(), n, v);
    }
  }
  return out;
}

}  // namespace cuddle::parquet_detail
