#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

namespace {
Tensor norm_impl(const char* op, const Tensor& x_in, const Tensor* residual_in,
                 const Tensor& weight_in, const Tensor& bias_in, float eps) {
  Tensor x = detail::float_input(x_in, op, "input");
  if (x.dim() < 1) detail::fail(op, "input must have at least 1 dimension");
  const int64_t n = x.size(-1);
  Tensor w = detail::float_input(weight_in, op, "weight");
  Tensor b = detail::float_input(bias_in, op, "bias");
  if (w.shape() != Shape{n} || b.shape() != Shape{n})
    detail::fail(op, "weight " + w.describe() + " and bias " + b.describe() +
                         " must be [" + std::to_string(n) + "] for input " + x.describe());
  Tensor r;
  if (residual_in) {
    r = detail::float_input(*residual_in, op, "residual");
    if (r.shape() != x.shape())
      detail::fail(op, "residual " + r.describe() + " must match input " + x.describe());
  }
  Tensor y = Tensor::empty(x.shape());
  kernels::add_layer_norm(x.data<float>(), r.defined() ? r.data<float>() : nullptr,
                          w.data<float>(), b.data<float>(), n ? x.numel() / n : 0, n, eps,
                          y.data<float>());
  if (autograd::needs_grad({&x_in, residual_in, &weight_in, &bias_in}))
    grad::record_layer_norm(y, x_in, residual_in, weight_in, bias_in, x, r, w, eps);
  return y;
}
}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  return norm_impl("layer_norm", x, nullptr, weight, bias, eps);
}

Tensor add_layer_norm(const Tensor& x, const Tensor& residual, const Tensor& weight,
                      const Tensor& bias, float eps) {
  return norm_impl("add_layer_norm", x, &residual, weight, bias, eps);
}

}  // namespace cuddle::ops
