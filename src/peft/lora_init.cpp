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

LoraWeights init_lora_module(const std::string& mode, const Shape& a, const Shape& b) {
  const int64_t r = a[0];
  LoraWeights w;
  // kaiming_uniform_(a=sqrt(5)) and a torch layer's default init: bound 1/sqrt(fan_in).
  auto bound = [](const Shape& s) { return 1.0f / std::sqrt(static_cast<float>(shape_numel(s) / s[0])); };
  if (mode == "gaussian") {
    w.A = normal(a, 1.0f / static_cast<float>(r));
    w.B = Tensor::zeros(b);
  } else {
    w.A = uniform(a, bound(a));
    w.B = mode == "false" ? uniform(b, bound(b)) : Tensor::zeros(b);
  }
  return w;
}

LoraWeights init_lora_embedding(const std::string& mode, const Shape& a, const Shape& b) {
  LoraWeights w;
  w.A = mode == "false" ? normal(a, 1.0f) : Tensor::zeros(a);
  w.B = normal(b, 1.0f);
  return w;
}

}  // namespace cuddle::peft
