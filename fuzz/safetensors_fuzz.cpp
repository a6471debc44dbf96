// Fuzzes the safetensors header parser with arbitrary bytes. Any input must either parse or
// throw cuddle::Error; anything else (crash, sanitizer report, other exception) is a bug.
// Inputs that parse are also written back and re-parsed: the writer must produce a valid
// file holding the same tensors.
#include <cstring>

#include "cuddle/error.h"
#include "cuddle/safetensors.h"

namespace {

void check_round_trip(const uint8_t* data, size_t size, const cuddle::SafetensorsHeader& h) {
  using namespace cuddle;
  // Non-owning storage over the fuzzer's buffer, valid for the duration of this call.
  NamedTensors tensors;
  for (const auto& e : h.entries) {
    auto* bytes = const_cast<uint8_t*>(data + h.data_offset + e.begin);
    auto storage = std::make_shared<Storage>(bytes, static_cast<size_t>(e.end - e.begin), nullptr);
    tensors.emplace_back(e.name, Tensor::from_storage(storage, e.dtype, e.shape));
  }
  std::string out = serialize_safetensors(tensors, h.metadata);
  SafetensorsHeader again =
      parse_safetensors(reinterpret_cast<const unsigned char*>(out.data()), out.size(), "round trip");
  if (again.entries.size() != h.entries.size() || again.metadata != h.metadata) __builtin_trap();
  for (const auto& a : again.entries) {
    const SafetensorsEntry* b = nullptr;
    for (const auto& e : h.entries)
      if (e.name == a.name) b = &e;
    if (!b || b->dtype != a.dtype || b->shape != a.shape || b->end - b->begin != a.end - a.begin ||
        std::memcmp(out.data() + again.data_offset + a.begin, data + h.data_offset + b->begin,
                    static_cast<size_t>(a.end - a.begin)) != 0)
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cuddle::SafetensorsHeader h;
  try {
    h = cuddle::parse_safetensors(data, size, "fuzz");
  } catch (const cuddle::Error&) {
    return 0;
  }
  check_round_trip(data, size, h);
  return 0;
}
