#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/weight_gemm.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

using detail::fail;

namespace {
// Checks x [..., K] against a weight of n rows and k columns and bias [n]; returns the
// f32 input, the f32 bias (or undefined) and the output shape.
struct LinearArgs {
  Tensor x, bias;
  Shape out_shape;
  int64_t rows = 0;
};
LinearArgs check_linear(const Tensor& x_in, int64_t n, int64_t k, const std::string& weight_desc,
                        const Tensor& bias_in) {
  LinearArgs a;
  a.x = detail::float_input(x_in, "linear", "input");
  if (a.x.dim() < 1) fail("linear", "input must have at least 1 dimension, got " + a.x.describe());
  if (a.x.size(-1) != k)
    fail("linear", "input " + a.x.describe() + " does not match weight " + weight_desc +
                       " (last dimension must equal weight.shape[1])");
  if (bias_in.defined()) {
    a.bias = detail::float_input(bias_in, "linear", "bias");
    if (a.bias.shape() != Shape{n})
      fail("linear", "bias " + a.bias.describe() + " does not match weight " + weight_desc);
  }
  a.out_shape = a.x.shape();
  a.out_shape.back() = n;
  a.rows = a.x.numel() / std::max<int64_t>(k, 1);
  return a;
}
}  // namespace

Tensor linear(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in, Activation act) {
  const bool record = autograd::needs_grad({&x_in, &weight_in, &bias_in});
  // Recorded, the activation is its own node (its rule needs the pre-activation values).
  if (record && act != Activation::Identity) return activation(linear(x_in, weight_in, bias_in), act);
  Tensor w = detail::float_input(weight_in, "linear", "weight");
  detail::require_dims(w, 2, "linear", "weight");
  const int64_t N = w.size(0), K = w.size(1);
  LinearArgs a = check_linear(x_in, N, K, w.describe(), bias_in);
  Tensor y = Tensor::empty(a.out_shape);
  kernels::linear(a.x.data<float>(), a.rows, K, w.data<float>(),
                  a.bias.defined() ? a.bias.data<float>() : nullptr, N, act, y.data<float>());
  if (record) grad::record_linear(y, x_in, {weight_in}, bias_in, a.x, {w});
  return y;
}

LinearWeight::LinearWeight(const std::vector<Tensor>& stacked) {
  std::vector<const float*> rows;
  for (const Tensor& weight_in : stacked) {
    Tensor w = detail::float_input(weight_in, "linear", "weight");
    detail::require_dims(w, 2, "linear", "weight");
    if (!weights_.empty() && w.size(1) != k_)
      fail("linear", "stacked weights differ in columns: " + weights_.front().describe() + " and " + w.describe());
    k_ = w.size(1);
    n_ += w.size(0);
    const float* base = w.data<float>();
    for (int64_t r = 0; r < w.size(0); ++r) rows.push_back(base + r * k_);
    weights_.push_back(std::move(w));
    sources_.push_back(weight_in);
  }
  rows_ = std::make_shared<const kernels::WeightRows>(rows, k_);
}

bool LinearWeight::sources_need_grad() const {
  if (!autograd::grad_enabled()) return false;
  for (const Tensor& s : sources_)
    if (s.requires_grad()) return true;
  return false;
}

bool LinearWeight::reads(const Tensor& weight) const {
  if (sources_.size() != 1) return false;
  const Tensor& w = sources_.front();
  return w.storage() == weight.storage() && w.offset() == weight.offset() && w.shape() == weight.shape() &&
         w.strides() == weight.strides();
}

Tensor linear(const Tensor& x_in, const LinearWeight& w, const Tensor& bias_in, Activation act) {
  if (w.empty()) fail("linear", "linear weight is empty (not built from a loaded weight)");
  const bool record = autograd::needs_grad({&x_in, &bias_in}) || w.sources_need_grad();
  if (record && act != Activation::Identity) return activation(linear(x_in, w, bias_in), act);
  const int64_t N = w.out_features(), K = w.in_features();
  LinearArgs a = check_linear(x_in, N, K, "F32" + shape_str({N, K}), bias_in);
  Tensor y = Tensor::empty(a.out_shape);
  kernels::weight_gemm(a.rows, a.x.data<float>(), K, w.rows(), a.bias.defined() ? a.bias.data<float>() : nullptr,
                       y.data<float>(), N, /*parallel=*/true, act);
  if (record) grad::record_linear(y, x_in, w.sources(), bias_in, a.x, w.weights());
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
