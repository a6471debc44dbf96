#include "cuddle/ops.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

Tensor patchify(const Tensor& x_in, int64_t p) {
  Tensor x = detail::float_input(x_in, "patchify", "x");
  detail::require_dims(x, 4, "patchify", "x");
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  if (p <= 0 || H < p || W < p)
    detail::fail("patchify", "patch size " + std::to_string(p) + " does not fit image " +
                                 x.describe());
  const int64_t nh = H / p, nw = W / p, width = C * p * p;
  Tensor out = Tensor::empty({B, nh * nw, width});
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t ph = 0; ph < nh; ++ph)
      for (int64_t pw = 0; pw < nw; ++pw) {
        float* row = dst + ((b * nh + ph) * nw + pw) * width;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < p; ++i) {
            const float* line = src + ((b * C + c) * H + ph * p + i) * W + pw * p;
            for (int64_t j = 0; j < p; ++j) *row++ = line[j];
          }
      }
  if (autograd::needs_grad(x_in)) grad::record_patchify(out, x_in, p);
  return out;
}

}  // namespace cuddle::ops
