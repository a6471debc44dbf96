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

namespace cuddle::parquet_detail {

namespace {

int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Value `i` of `width` (0..64) bits packed least significant bit first from `p`.
uint64_t unpack(const uint8_t* p, size_t i, int width) {
  if (width == 0) return 0;
  const size_t bit = i * static_cast<size_t>(width);
  unsigned __int128 v = 0;
  const size_t bytes = (bit % 8 + static_cast<size_t>(width) + 7) / 8;
  for (size_t k = 0; k < bytes; ++k) v |= static_cast<unsigned __int128>(p[bit / 8 + k]) << (8 * k);
  v >>= bit % 8;
  return width == 64 ? static_cast<uint64_t>(v) : static_cast<uint64_t>(v) & ((uint64_t{1} << width) - 1);
}

}  // namespace

std::vector<int64_t> decode_delta_binary_packed(ByteRange& in, size_t count) {
  const uint64_t block_size = in.uleb128(), miniblocks = in.uleb128(), total = in.uleb128();
  uint64_t value = static_cast<uint64_t>(unzigzag(in.uleb128()));
  if (block_size == 0 || block_size % 128 != 0 || miniblocks == 0 || block_size % miniblocks != 0 ||
      (block_size / miniblocks) % 32 != 0 || block_size > (1u << 20))
    in.fail("DELTA_BINARY_PACKED header with block size " + std::to_string(block_size) + " and " +
            std::to_string(miniblocks) + " miniblocks");
  if (total < count) in.fail("DELTA_BINARY_PACKED holds " + std::to_string(total) + " values, " + std::to_string(count) + " needed");
  const size_t per_mini = static_cast<size_t>(block_size / miniblocks);
  std::vector<int64_t> out;
  out.reserve(count);
  if (total > 0 && count > 0) out.push_back(static_cast<int64_t>(value));
  size_t remaining = static_cast<size_t>(std::min<uint64_t>(total, count)) - out.size();
  while (remaining > 0) {
    const uint64_t min_delta = static_cast<uint64_t>(unzigzag(in.uleb128()));
    const uint8_t* widths = in.take(static_cast<size_t>(miniblocks));
    for (uint64_t m = 0; m < miniblocks && remaining > 0; ++m) {
      const int w = widths[m];
      if (w > 64) in.fail("miniblock bit width " + std::to_string(w));
      const uint8_t* p = in.take(per_mini * static_cast<size_t>(w) / 8);
      const size_t n = std::min(per_mini, remaining);
      for (size_t i = 0; i < n; ++i) {
        value += min_delta + unpack(p, i, w);  // two's complement wrap, as specified
        out.push_back(static_cast<int64_t>(value));
      }
      remaining -= n;
    }
  }
  return out;
}

std::vector<std::string> decode_delta_length_byte_array(ByteRange& in, size_t count) {
  std::vector<int64_t> lengths = decode_delta_binary_packed(in, count);
  std::vector<std::string> out;
  out.reserve(count);
  for (int64_t n : lengths) {
    if (n < 0) in.fail("negative byte array length " + std::to_string(n));
    const uint8_t* p = in.take(static_cast<size_t>(n));
    out.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }
  return out;
}

std::vector<std::string> decode_delta_byte_array(ByteRange& in, size_t count) {
  std::vector<int64_t> prefixes = decode_delta_binary_packed(in, count);
  std::vector<std::string> out = decode_delta_length_byte_array(in, count);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t k = prefixes[i];
    const size_t prev = i == 0 ? 0 : out[i - 1].size();
    if (k < 0 || static_cast<size_t>(k) > prev) in.fail("prefix length " + std::to_string(k) + " longer than the previous value");
    if (k > 0) out[i].insert(0, out[i - 1], 0, static_cast<size_t>(k));
  }
  return out;
}

std::vector<uint8_t> unsplit_byte_streams(ByteRange& in, size_t width, size_t count) {
  if (width == 0 || count > in.left() / width)
    in.fail("BYTE_STREAM_SPLIT needs " + std::to_string(count) + " values of " + std::to_string(width) + " bytes");
  const uint8_t* p = in.take(width * count);
  std::vector<uint8_t> out(width * count);
  for (size_t i = 0; i < count; ++i)
    for (size_t k = 0; k < width; ++k) out[i * width + k] = p[k * count + i];
  return out;
}

}  // namespace cuddle::parquet_detail
