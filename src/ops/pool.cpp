#include "cuddle/ops.h"
#include "kernels/cpu/spatial.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"
#include "ops/window.h"

namespace cuddle::ops {

Tensor max_pool2d(const Tensor& x_in, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding) {
  Tensor x = detail::float_input(x_in, "max_pool2d", "input");
  detail::require_dims(x, 4, "max_pool2d", "input");
  // torch refuses wider padding: a window could then hold only padding.
  for (int d = 0; d < 2; ++d)
    if (padding[d] > kernel[d] / 2)
      detail::fail("max_pool2d", "padding " + std::to_string(padding[d]) +
                                     " must be at most half the kernel size " +
                                     std::to_string(kernel[d]));
  const kernels::Window2d s = detail::window2d("max_pool2d", x, kernel, stride, padding, {1, 1});
  Tensor y = Tensor::empty({s.B, s.C, s.OH, s.OW});
  kernels::max_pool2d(x.data<float>(), s, y.data<float>());
  if (autograd::needs_grad(x_in)) grad::record_max_pool2d(y, x_in, x, s);
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x_in, std::array<int64_t, 2> output_size) {
  Tensor x = detail::float_input(x_in, "adaptive_avg_pool2d", "input");
  detail::require_dims(x, 4, "adaptive_avg_pool2d", "input");
  if (output_size[0] < 1 || output_size[1] < 1)
    detail::fail("adaptive_avg_pool2d", "output size (" + std::to_string(output_size[0]) + ", " +
                                            std::to_string(output_size[1]) + ") must be positive");
  if (x.size(2) < 1 || x.size(3) < 1)
    detail::fail("adaptive_avg_pool2d", "input " + x.describe() + " has an empty plane");
  const int64_t B = x.size(0), C = x.size(1);
  Tensor y = Tensor::empty({B, C, output_size[0], output_size[1]});
  kernels::adaptive_avg_pool2d(x.data<float>(), B, C, x.size(2), x.size(3), output_size[0],
                               output_size[1], y.data<float>());
  if (autograd::needs_grad(x_in)) grad::record_adaptive_avg_pool2d(y, x_in);
  return y;
}

}  // namespace cuddle::ops
