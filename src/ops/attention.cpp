#include <cfloat>
#include <cmath>

#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

namespace {
// q, k, v may be strided views (slices of one fused projection): the kernel needs a
// contiguous last dimension and a single row stride; anything else is copied.
Tensor rows_view(const Tensor& t_in, const char* arg) {
  Tensor t = t_in.dtype() == DType::F32 ? t_in : detail::float_input(t_in, "attention", arg);
  detail::require_dims(t, 3, "attention", arg);
  const auto& st = t.strides();
  const bool ok = st[2] == 1 && st[0] == t.size(1) * st[1];
  return ok ? t : t.contiguous();
}
}  // namespace

Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, int64_t num_heads,
                 const Tensor& attention_mask, bool causal) {
  Tensor q = rows_view(q_in, "q"), k = rows_view(k_in, "k"), v = rows_view(v_in, "v");
  if (k.shape() != v.shape() || q.size(0) != k.size(0) || q.size(2) != k.size(2))
    detail::fail("attention", "q " + q.describe() + ", k " + k.describe() + " and v " +
                                  v.describe() + " must be [B, Sq, W], [B, Sk, W], [B, Sk, W]");
  const int64_t B = q.size(0), Sq = q.size(1), Sk = k.size(1), W = q.size(2);
  if (causal && Sq != Sk)
    detail::fail("attention", "causal attention needs as many queries as keys, got q " +
                                  q.describe() + " and k " + k.describe());
  if (num_heads <= 0 || W % num_heads != 0)
    detail::fail("attention", "width " + std::to_string(W) + " is not divisible by " +
                                  std::to_string(num_heads) + " heads");
  if (k.strides()[1] != v.strides()[1]) {
    k = k.contiguous();
    v = v.contiguous();
  }
  Tensor bias;
  if (attention_mask.defined()) {
    Tensor m = detail::index_input(attention_mask, "attention", "attention_mask");
    if (m.shape() != Shape{B, Sk})
      detail::fail("attention", "attention_mask " + m.describe() + " must be [" +
                                    std::to_string(B) + ", " + std::to_string(Sk) + "]");
    // transformers' extended mask: (1 - mask) * finfo(float32).min, added to the scores.
    bias = Tensor::empty({B, Sk});
    const int64_t* pm = m.data<int64_t>();
    float* pb = bias.data<float>();
    for (int64_t i = 0; i < B * Sk; ++i) pb[i] = pm[i] ? 0.0f : -FLT_MAX;
  }
  const int64_t D = W / num_heads;
  Tensor ctx = Tensor::empty({B, Sq, W});
  const kernels::AttentionShape shape{B, Sq, Sk, num_heads, D, q.strides()[1], k.strides()[1]};
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  kernels::attention(q.data<float>(), k.data<float>(), v.data<float>(), shape, scale,
                     bias.defined() ? bias.data<float>() : nullptr, causal, ctx.data<float>());
  if (autograd::needs_grad({&q_in, &k_in, &v_in}))
    grad::record_attention(ctx, q_in, k_in, v_in, q, k, v, bias, shape, scale, causal);
  return ctx;
}

}  // namespace cuddle::ops
