#include <algorithm>
#include <cmath>
#include <vector>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "kernels/cpu/spatial.h"
#include "ops/checks.h"

namespace cuddle::ops {

Tensor batch_norm(const Tensor& x_in, const Tensor& mean_in, const Tensor& var_in,
                  const Tensor& weight_in, const Tensor& bias_in, float eps) {
  Tensor x = detail::float_input(x_in, "batch_norm", "input");
  if (x.dim() < 2)
    detail::fail("batch_norm", "input must be [B, C, ...], got " + x.describe());
  const int64_t B = x.size(0), C = x.size(1), plane = x.numel() / std::max<int64_t>(B * C, 1);
  auto per_channel = [&](const Tensor& t, const char* arg) {
    Tensor f = detail::float_input(t, "batch_norm", arg);
    if (f.shape() != Shape{C})
      detail::fail("batch_norm", std::string(arg) + " " + f.describe() + " must be [" +
                                     std::to_string(C) + "] (the channels of input " +
                                     x.describe() + ")");
    return f;
  };
  Tensor mean = per_channel(mean_in, "running_mean"), var = per_channel(var_in, "running_var");
  Tensor weight = weight_in.defined() ? per_channel(weight_in, "weight") : Tensor::full({C}, 1.0f);
  Tensor bias = bias_in.defined() ? per_channel(bias_in, "bias") : Tensor::zeros({C});
  // torch's CPU inference path: scale = weight / sqrt(var + eps), shift = bias - mean * scale.
  std::vector<float> scale(C), shift(C);
  for (int64_t c = 0; c < C; ++c) {
    scale[c] = weight.data<float>()[c] / std::sqrt(var.data<float>()[c] + eps);
    shift[c] = bias.data<float>()[c] - mean.data<float>()[c] * scale[c];
  }
  Tensor y = Tensor::empty(x.shape());
  kernels::channel_affine(x.data<float>(), B, C, plane, scale.data(), shift.data(),
                          y.data<float>());
  // The input's gradient only (g * scale per channel), for a LoRA update that flows through
  // a frozen batch norm; the statistics, weight and bias train through batch_norm_train.
  if (autograd::needs_grad(x_in))
    autograd::record(y, "batch_norm", {&x_in}, [scale, B, C, plane](const Tensor& g) {
      const std::vector<float> zero(static_cast<size_t>(C), 0.0f);
      Tensor dx = Tensor::empty(g.shape());
      kernels::channel_affine(g.data<float>(), B, C, plane, scale.data(), zero.data(), dx.data<float>());
      return std::vector<Tensor>{dx};
    });
  return y;
}

}  // namespace cuddle::ops
