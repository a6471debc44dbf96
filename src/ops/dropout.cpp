#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "cuddle/random.h"
#include "ops/checks.h"

namespace cuddle::ops {

Tensor dropout(const Tensor& x_in, float p) {
  if (!(p >= 0.0f && p <= 1.0f)) detail::fail("dropout", "p must be in [0, 1], got " + std::to_string(p));
  if (p == 0.0f) return x_in;
  const Tensor x = detail::float_input(x_in, "dropout", "input");
  const uint64_t stream = next_random_stream();
  const int64_t n = x.numel();
  // torch zeroes everything when p == 1 (the survivors' scale would be infinite).
  const float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  Tensor mask = Tensor::empty(x.shape());  // 0 or keep_scale per element: y = x * mask
  Tensor y = Tensor::empty(x.shape());
  float* pm = mask.data<float>();
  float* py = y.data<float>();
  const float* px = x.data<float>();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    pm[i] = uniform_at(stream, static_cast<uint64_t>(i)) < p ? 0.0f : keep_scale;
    py[i] = px[i] * pm[i];
  }
  if (autograd::needs_grad(x_in))
    autograd::record(y, "dropout", {&x_in}, [mask](const Tensor& g) {
      Tensor dx = Tensor::empty(g.shape());
      const float* pg = g.data<float>();
      const float* m = mask.data<float>();
      float* d = dx.data<float>();
      const int64_t count = g.numel();  // hoisted: numel() walks the shape
      for (int64_t i = 0; i < count; ++i) d[i] = pg[i] * m[i];
      return std::vector<Tensor>{dx};
    });
  return y;
}

}  // namespace cuddle::ops
