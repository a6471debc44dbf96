#include "peft/lora_init.h"

#include <cmath>

#include "cuddle/random.h"

namespace cuddle::peft {

namespace {
Tensor uniform(const Shape& shape, float bound) {
  Tensor t = Tensor::empty(shape);
  const uint64_t stream = next_random_stream();
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = (2.0f * uniform_at(stream, static_cast<uint64_t>(i)) - 1.0f) * bound;
  return t;
}

// Box-Muller on two uniforms per element.
Tensor normal(const Shape& shape, float std) {
  Tensor t = Tensor::empty(shape);
  const uint64_t stream = next_random_stream();
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double u1 = 1.0 - uniform_at(stream, 2 * static_cast<uint64_t>(i));
    const double u2 = uniform_at(stream, 2 * static_cast<uint64_t>(i) + 1);
    p[i] = static_cast<float>(std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
  }
  return t;
}
}  // namespace

LoraWeights init_lora_weights(const std::string& mode, int64_t r, int64_t in, int64_t out) {
  LoraWeights w;
  if (mode == "gaussian") {
    w.A = normal({r, in}, 1.0f / static_cast<float>(r));
    w.B = Tensor::zeros({out, r});
  } else {
    w.A = uniform({r, in}, 1.0f / std::sqrt(static_cast<float>(in)));
    w.B = mode == "false" ? uniform({out, r}, 1.0f / std::sqrt(static_cast<float>(r))) : Tensor::zeros({out, r});
  }
  return w;
}

}  // namespace cuddle::peft
