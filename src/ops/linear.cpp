#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"

namespace cuddle::ops {

using detail::fail;

Tensor linear(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in, Activation act) {
  Tensor x = detail::float_input(x_in, "linear", "input");
  Tensor w = detail::float_input(weight_in, "linear", "weight");
  detail::require_dims(w, 2, "linear", "weight");
  if (x.dim() < 1) fail("linear", "input must have at least 1 dimension, got " + x.describe());
  const int64_t K = x.size(-1), N = w.size(0);
  if (w.size(1) != K)
    fail("linear", "input " + x.describe() + " does not match weight " + w.describe() +
                       " (last dimension must equal weight.shape[1])");
  Tensor b;
  if (bias_in.defined()) {
    b = detail::float_input(bias_in, "linear", "bias");
    if (b.shape() != Shape{N})
      fail("linear", "bias " + b.describe() + " does not match weight " + w.describe());
  }
  Shape out_shape = x.shape();
  out_shape.back() = N;
  Tensor y = Tensor::empty(out_shape);
  kernels::linear(x.data<float>(), x.numel() / std::max<int64_t>(K, 1), K, w.data<float>(),
                  b.defined() ? b.data<float>() : nullptr, N, act, y.data<float>());
  return y;
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  Tensor a = detail::float_input(a_in, "matmul", "a");
  Tensor b = detail::float_input(b_in, "matmul", "b");
  if (a.dim() < 2 || b.dim() < 2)
    fail("matmul", "both operands need at least 2 dimensions, got " + a.describe() + " and " +
                       b.describe());
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  if (b.size(-2) != K)
    fail("matmul", "inner dimensions differ: " + a.describe() + " x " + b.describe());
  const bool b_batched = b.dim() > 2;
  if (b_batched && Shape(a.shape().begin(), a.shape().end() - 2) !=
                       Shape(b.shape().begin(), b.shape().end() - 2))
    fail("matmul", "batch dimensions differ: " + a.describe() + " x " + b.describe());
  Shape out_shape = a.shape();
  out_shape.back() = N;
  Tensor c = Tensor::empty(out_shape);
  const int64_t batches = a.numel() / std::max<int64_t>(M * K, 1);
  if (!b_batched) {
    // All batch rows share b: one GEMM over the flattened rows.
    kernels::gemm(batches * M, N, K, 1.0f, a.data<float>(), K, b.data<float>(), N, false, 0.0f,
                  c.data<float>(), N);
    return c;
  }
  for (int64_t i = 0; i < batches; ++i)
    kernels::gemm(M, N, K, 1.0f, a.data<float>() + i * M * K, K, b.data<float>() + i * K * N, N,
                  false, 0.0f, c.data<float>() + i * M * N, N);
  return c;
}

}  // namespace cuddle::ops
