// Fuzzes the reader of bitsandbytes' 4-bit quant state (the JSON bytes stored in
// `weight.quant_state.bitsandbytes__*`, docs/quantization.md) with valid tensors beside it:
// an accepted state must dequantize without reading outside its tensors.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "cuddle/error.h"
#include "cuddle/quant.h"

using namespace cuddle;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A 4 x 64 fp4 weight (4 blocks), nested: 4 absmax codes, one nested block.
  static const std::map<std::string, Tensor> parts = [] {
    std::vector<float> w(256);
    for (size_t i = 0; i < w.size(); ++i) w[i] = float(int(i % 13) - 6);
    const auto q = quant::quantize_4bit(Tensor::from_vector(w, {4, 64}), quant::FourBitType::FP4, true);
    std::map<std::string, Tensor> m;
    for (const auto& [name, t] : quant::state_dict_entries("l.", q)) m[name] = t;
    return m;
  }();
  const std::string state_key = "l.weight.quant_state.bitsandbytes__fp4";
  const Tensor state = Tensor::from_vector(std::vector<uint8_t>(data, data + size), {int64_t(size)});
  const quant::TensorLookup lookup = [&](const std::string& key) {
    if (key == state_key) return state;
    auto it = parts.find(key);
    return it == parts.end() ? Tensor() : it->second;
  };
  try {
    const quant::FourBitWeight w = quant::read_4bit_entries("l.", lookup, "fuzz");
    (void)quant::dequantize_4bit(w);
  } catch (const cuddle::Error&) {
  }
  return 0;
}
