// Fuzzes the Arrow IPC reader (stream and file formats) with arbitrary bytes. Any input
// must either read or throw cuddle::Error. A table that reads is written back as a stream
// and read again: it must hold the same rows.
#include <memory>

#include "cuddle/arrow.h"
#include "cuddle/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cuddle::arrow;
  Table t;
  try {
    t = read_ipc_bytes(nullptr, data, size, "fuzz");
  } catch (const cuddle::Error&) {
    return 0;
  }
  // Bounded work per input: a tiny file may still declare millions of null rows.
  if (t.num_rows > 100000) return 0;
  auto bytes = std::make_shared<std::string>(serialize_ipc_stream(t, 64));
  Table again = read_ipc_bytes(bytes, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), "round trip");
  if (again.num_rows != t.num_rows || again.num_columns() != t.num_columns()) __builtin_trap();
  for (int c = 0; c < t.num_columns(); ++c)
    for (int64_t r = 0; r < t.num_rows; ++r) {
      auto [a, i] = t.columns[static_cast<size_t>(c)].locate(r);
      auto [b, j] = again.columns[static_cast<size_t>(c)].locate(r);
      if (value_to_json(*a, i).dump(-1, ' ', false, Json::error_handler_t::replace) !=
          value_to_json(*b, j).dump(-1, ' ', false, Json::error_handler_t::replace))
        __builtin_trap();
    }
  return 0;
}
