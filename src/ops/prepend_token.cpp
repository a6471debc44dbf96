// One learned token row in front of every sequence of a batch (ViT's [CLS] token): the
// concatenation torch writes as cat([cls.expand(B, -1, -1), x], dim=1), differentiable.
#include <cstring>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "ops/checks.h"

namespace cuddle::ops {

Tensor prepend_token(const Tensor& x_in, const Tensor& token_in) {
  const Tensor x = detail::float_input(x_in, "prepend_token", "x");
  const Tensor token = detail::float_input(token_in, "prepend_token", "token");
  detail::require_dims(x, 3, "prepend_token", "x");
  const int64_t B = x.size(0), n = x.size(1), D = x.size(2);
  if (token.numel() != D)
    detail::fail("prepend_token", "token " + token.describe() + " must hold " + std::to_string(D) + " values");
  Tensor y = Tensor::empty({B, 1 + n, D});
  for (int64_t b = 0; b < B; ++b) {
    float* row = y.data<float>() + b * (1 + n) * D;
    std::memcpy(row, token.data<float>(), size_t(D) * sizeof(float));
    std::memcpy(row + D, x.data<float>() + b * n * D, size_t(n * D) * sizeof(float));
  }
  if (autograd::needs_grad({&x_in, &token_in})) {
    const Shape token_shape = token_in.shape();
    autograd::record(y, "prepend_token", {&x_in, &token_in}, [B, n, D, token_shape](const Tensor& g_in) {
      const Tensor g = g_in.contiguous();
      Tensor gx = Tensor::empty({B, n, D}), gt = Tensor::zeros(token_shape);
      for (int64_t b = 0; b < B; ++b) {
        const float* row = g.data<float>() + b * (1 + n) * D;
        for (int64_t d = 0; d < D; ++d) gt.data<float>()[d] += row[d];
        std::memcpy(gx.data<float>() + b * n * D, row + D, size_t(n * D) * sizeof(float));
      }
      return std::vector<Tensor>{gx, gt};
    });
  }
  return y;
}

}  // namespace cuddle::ops
