// Fuzzes the Parquet reader with arbitrary bytes. Any input must either read or throw
// cuddle::Error; every value of a table that reads must be reachable.
#include "cuddle/arrow.h"
#include "cuddle/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cuddle::arrow;
  Table t;
  try {
    t = read_parquet_bytes(data, size, "fuzz");
  } catch (const cuddle::Error&) {
    return 0;
  }
  for (const auto& col : t.columns)
    for (const auto& chunk : col.chunks)
      for (int64_t i = 0; i < chunk->length && i < 100000; ++i) (void)value_to_json(*chunk, i);
  return 0;
}
