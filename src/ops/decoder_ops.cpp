// The ops of decoder-only language models: RMSNorm, rotary position embedding and causal
// attention over a key/value cache (kernels in src/kernels/cpu/decoder_kernels.cpp).
#include <algorithm>
#include <cmath>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "kernels/cpu/decoder_kernels.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"

namespace cuddle::ops {

namespace {
std::string dims(int64_t a, int64_t b, int64_t c) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + ", " + std::to_string(c) + "]";
}

// A [B, S, W] f32 view whose last dimension is contiguous and whose rows are one stride
// apart within a batch (a slice of a cache or of a fused projection); anything else is copied.
Tensor rows3(const Tensor& t_in, const char* op, const char* arg) {
  Tensor t = t_in.dtype() == DType::F32 ? t_in : detail::float_input(t_in, op, arg);
  detail::require_dims(t, 3, op, arg);
  return t.strides()[2] == 1 ? t : t.contiguous();
}
}  // namespace

Tensor rms_norm(const Tensor& x_in, const Tensor& weight_in, float eps, float offset) {
  Tensor x = detail::float_input(x_in, "rms_norm", "input");
  if (x.dim() < 1) detail::fail("rms_norm", "input must have at least 1 dimension");
  const int64_t n = x.size(-1);
  Tensor w = detail::float_input(weight_in, "rms_norm", "weight");
  if (w.shape() != Shape{n})
    detail::fail("rms_norm", "weight " + w.describe() + " must be [" + std::to_string(n) +
                                 "] for input " + x.describe());
  Tensor y = Tensor::empty(x.shape());
  kernels::rms_norm(x.data<float>(), w.data<float>(), n ? x.numel() / n : 0, n, eps, offset,
                    y.data<float>());
  if (autograd::needs_grad({&x_in, &weight_in})) grad::record_rms_norm(y, x_in, weight_in, x, w, eps, offset);
  return y;
}

Tensor rotary_embedding(const Tensor& x_in, const Tensor& cos_in, const Tensor& sin_in,
                        int64_t head_dim) {
  Tensor x = detail::float_input(x_in, "rotary_embedding", "input");
  Tensor c = detail::float_input(cos_in, "rotary_embedding", "cos");
  Tensor s = detail::float_input(sin_in, "rotary_embedding", "sin");
  detail::require_dims(x, 3, "rotary_embedding", "input");
  detail::require_dims(c, 3, "rotary_embedding", "cos");
  const int64_t B = x.size(0), S = x.size(1), W = x.size(2);
  if (head_dim <= 0 || W % head_dim != 0)
    detail::fail("rotary_embedding", "width " + std::to_string(W) +
                                         " is not a multiple of head_dim " +
                                         std::to_string(head_dim));
  const int64_t R = c.size(2);
  if (c.size(0) != B || c.size(1) != S || R > head_dim || R % 2 != 0 || s.shape() != c.shape())
    detail::fail("rotary_embedding", "cos " + c.describe() + " and sin " + s.describe() +
                                         " must be [B, S, R] with B, S of input " + x.describe() +
                                         " and an even R <= head_dim " + std::to_string(head_dim));
  Tensor y;
  {
    autograd::NoGradGuard no_grad;  // the copy is the op's own output, not a node of its own
    y = x.clone();
  }
  kernels::rotary(y.data<float>(), B * S, W, W / head_dim, head_dim, c.data<float>(),
                  s.data<float>(), R);
  if (autograd::needs_grad(x_in)) grad::record_rotary(y, x_in, c, s, head_dim);
  return y;
}

Tensor causal_attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                        int64_t num_heads, int64_t num_kv_heads, const Tensor& key_mask,
                        const CausalAttentionOptions& options) {
  const char* op = "causal_attention";
  Tensor q = rows3(q_in, op, "q"), k = rows3(k_in, op, "k"), v = rows3(v_in, op, "v");
  const int64_t B = q.size(0), Sq = q.size(1), Sk = k.size(1);
  if (num_heads <= 0 || num_kv_heads <= 0 || num_heads % num_kv_heads != 0)
    detail::fail(op, std::to_string(num_heads) + " query heads are not a multiple of " +
                         std::to_string(num_kv_heads) + " key/value heads");
  if (q.size(2) % num_heads != 0)
    detail::fail(op, "q " + q.describe() + ": width is not divisible by " +
                         std::to_string(num_heads) + " heads");
  const int64_t D = q.size(2) / num_heads;
  if (k.shape() != v.shape() || k.size(0) != B || k.size(2) != num_kv_heads * D)
    detail::fail(op, "k " + k.describe() + " and v " + v.describe() + " must be " +
                         dims(B, Sk, num_kv_heads * D) + " for q " + q.describe());
  if (Sk < Sq)
    detail::fail(op, "q " + q.describe() + " has more positions than k " + k.describe() +
                         " (the keys must include the queries' own positions)");
  if (k.strides() != v.strides()) {
    k = k.contiguous();
    v = v.contiguous();
  }
  Tensor mask;
  if (key_mask.defined()) {
    mask = detail::index_input(key_mask, op, "key_mask");
    if (mask.shape() != Shape{B, Sk})
      detail::fail(op, "key_mask " + mask.describe() + " must be [" + std::to_string(B) + ", " +
                           std::to_string(Sk) + "]");
  }
  Tensor ctx = Tensor::empty({B, Sq, num_heads * D});
  const kernels::CausalAttentionShape shape{B, Sq, Sk, num_heads, num_kv_heads, D,
                                            q.strides()[1], q.strides()[0],
                                            k.strides()[1], k.strides()[0]};
  const float scale = options.scale > 0.0f ? options.scale : 1.0f / std::sqrt(float(D));
  kernels::causal_attention(q.data<float>(), k.data<float>(), v.data<float>(), shape, scale,
                            mask.defined() ? mask.data<int64_t>() : nullptr,
                            options.sliding_window, options.softcap, ctx.data<float>());
  if (autograd::needs_grad({&q_in, &k_in, &v_in}))
    grad::record_causal_attention(ctx, q_in, k_in, v_in, q, k, v, mask, shape, scale, options.sliding_window,
                                  options.softcap);
  return ctx;
}

Tensor gated_activation(const Tensor& x_in, Activation act) {
  Tensor x = detail::float_input(x_in, "gated_activation", "input");
  if (x.dim() < 1 || x.size(-1) % 2 != 0)
    detail::fail("gated_activation", "input " + x.describe() +
                                         " must end in an even dimension (gate | up)");
  const int64_t I = x.size(-1) / 2, rows = I ? x.numel() / (2 * I) : 0;
  Shape shape = x.shape();
  shape.back() = I;
  Tensor y = Tensor::empty(shape);
  const float* px = x.data<float>();
  float* py = y.data<float>();
#pragma omp parallel for schedule(static) if (rows * I >= (int64_t{1} << 16))
  for (int64_t r = 0; r < rows; ++r) {
    float* out = py + r * I;
    std::copy(px + r * 2 * I, px + r * 2 * I + I, out);
    kernels::activation(act, out, I);
    const float* up = px + r * 2 * I + I;
    for (int64_t i = 0; i < I; ++i) out[i] *= up[i];
  }
  if (autograd::needs_grad(x_in)) grad::record_gated_activation(y, x_in, x, act);
  return y;
}

}  // namespace cuddle::ops
