// Parquet page decompression with Debian's codec libraries.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "parquet_types.h"

namespace cuddle::parquet_detail {

// `size` bytes at `src` compressed with `codec` (a parquet_format::CompressionCodec), expanded to exactly `expected` bytes.
// Throws FormatError naming `what` for corrupt input, a size mismatch or an unsupported
// codec (LZO, Hadoop-framed LZ4).
std::vector<uint8_t> decompress(int32_t codec, const uint8_t* src, size_t size,
                                size_t expected, const std::string& what);

}  // namespace cuddle::parquet_detail
