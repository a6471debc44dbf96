#include "parquet_decompress.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <climits>

#include "cuddle/error.h"

namespace cuddle::parquet_detail {

namespace {

void inflate_gzip(const uint8_t* src, size_t size, std::vector<uint8_t>& out, const std::string& what) {
  z_stream z{};
  // 32 + 15: a gzip or zlib header, detected from the bytes (writers differ).
  if (inflateInit2(&z, 32 + 15) != Z_OK) throw FormatError(what + ": cannot start gzip decompression");
  z.next_in = const_cast<Bytef*>(src);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  size_t produced = out.size() - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != out.size())
    throw FormatError(what + ": corrupt gzip data or wrong uncompressed size");
}

}  // namespace

std::vector<uint8_t> decompress(int32_t codec, const uint8_t* src, size_t size,
                                size_t expected, const std::string& what) {
  using C = parquet_format::CompressionCodec;
  if (codec == C::UNCOMPRESSED) {
    if (size != expected) throw FormatError(what + ": page size " + std::to_string(size) + " differs from its uncompressed size " + std::to_string(expected));
    return std::vector<uint8_t>(src, src + size);
  }
  if (expected > (size_t{1} << 31) || size > UINT_MAX) throw FormatError(what + ": page larger than 2 GiB");
  std::vector<uint8_t> out(expected);
  switch (codec) {
    case C::SNAPPY: {
      size_t n = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(src), size, &n) != SNAPPY_OK || n != expected)
        throw FormatError(what + ": corrupt snappy data or wrong uncompressed size");
      if (snappy_uncompress(reinterpret_cast<const char*>(src), size, reinterpret_cast<char*>(out.data()), &n) != SNAPPY_OK)
        throw FormatError(what + ": corrupt snappy data");
      return out;
    }
    case C::GZIP: inflate_gzip(src, size, out, what); return out;
    case C::ZSTD: {
      size_t n = ZSTD_decompress(out.data(), out.size(), src, size);
      if (ZSTD_isError(n) || n != expected) throw FormatError(what + ": corrupt zstd data or wrong uncompressed size");
      return out;
    }
    case C::LZ4_RAW: {
      int n = LZ4_decompress_safe(reinterpret_cast<const char*>(src), reinterpret_cast<char*>(out.data()),
                                  static_cast<int>(size), static_cast<int>(expected));
      if (n < 0 || static_cast<size_t>(n) != expected) throw FormatError(what + ": corrupt lz4 data or wrong uncompressed size");
      return out;
    }
    case C::BROTLI: {
      size_t n = expected;
      if (BrotliDecoderDecompress(size, src, &n, out.data()) != BROTLI_DECODER_RESULT_SUCCESS || n != expected)
        throw FormatError(what + ": corrupt brotli data or wrong uncompressed size");
      return out;
    }
    default:
      throw FormatError(what + ": compression codec " + std::to_string(static_cast<int>(codec)) +
                        " is not supported (LZO and Hadoop-framed LZ4 are not)");
  }
}

}  // namespace cuddle::parquet_detail
