// Backward rules of the decoder ops (src/ops/decoder_ops.cpp).
#include "cuddle/autograd.h"
#include "kernels/cpu/decoder_grad_kernels.h"
#include "kernels/cpu/grad_kernels.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_rms_norm(Tensor& y, const Tensor& x_in, const Tensor& weight_in, const Tensor& x, const Tensor& weight,
                     float eps, float offset) {
  const Tensor sx = x.detach(), sw = weight.detach();
  const bool need_w = weight_in.requires_grad();
  autograd::record(y, "rms_norm", {&x_in, &weight_in}, [=](const Tensor& g) {
    const int64_t n = sw.numel(), rows = n ? g.numel() / n : 0;
    Tensor dx = Tensor::empty(g.shape());
    Tensor dw = need_w ? Tensor::zeros({n}) : Tensor();
    kernels::rms_norm_backward(sx.data<float>(), sw.data<float>(), g.data<float>(), rows, n, eps, offset,
                               dx.data<float>(), need_w ? dw.data<float>() : nullptr);
    return std::vector<Tensor>{dx, dw};
  });
}

void record_rotary(Tensor& y, const Tensor& x_in, const Tensor& cos, const Tensor& sin, int64_t head_dim) {
  const Tensor c = cos.detach(), s = sin.detach();
  autograd::record(y, "rotary_embedding", {&x_in}, [=](const Tensor& g) {
    Tensor dx = g.clone();
    const int64_t W = dx.size(2);
    kernels::rotary_backward(dx.data<float>(), dx.size(0) * dx.size(1), W, W / head_dim, head_dim,
                             c.data<float>(), s.data<float>(), c.size(2));
    return std::vector<Tensor>{dx};
  });
}

void record_causal_attention(Tensor& ctx, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                             const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                             const kernels::CausalAttentionShape& shape, float scale, int64_t window, float softcap) {
  // Saved: q, k, v as the kernel read them (views into the projection output), the output
  // and the mask; the probabilities are recomputed in backward rather than kept (B*H*S^2).
  const Tensor sq = q.detach(), sk = k.detach(), sv = v.detach(), out = ctx.detach(), m = mask;
  const Shape q_shape = q_in.shape(), kv_shape = k_in.shape();
  autograd::record(ctx, "causal_attention", {&q_in, &k_in, &v_in}, [=](const Tensor& g) {
    Tensor dq = Tensor::empty(q_shape), dk = Tensor::empty(kv_shape), dv = Tensor::empty(kv_shape);
    kernels::causal_attention_backward(sq.data<float>(), sk.data<float>(), sv.data<float>(), out.data<float>(),
                                       g.data<float>(), shape, scale, m.defined() ? m.data<int64_t>() : nullptr,
                                       window, softcap, dq.data<float>(), dk.data<float>(), dv.data<float>());
    return std::vector<Tensor>{dq, dk, dv};
  });
}

void record_gated_activation(Tensor& y, const Tensor& x_in, const Tensor& x, Activation act) {
  const Tensor saved = x.detach();
  autograd::record(y, "gated_activation", {&x_in}, [saved, act](const Tensor& g) {
    // y = act(gate) * up: d gate = act'(gate) * g * up, d up = g * act(gate).
    const int64_t I = g.size(-1), rows = I ? g.numel() / I : 0;
    Tensor dx = Tensor::empty(saved.shape());
    const float* px = saved.data<float>();
    const float* pg = g.data<float>();
    float* pd = dx.data<float>();
#pragma omp parallel for schedule(static) if (rows * I >= (int64_t{1} << 16))
    for (int64_t r = 0; r < rows; ++r) {
      const float* gate = px + r * 2 * I;
      const float* up = gate + I;
      const float* gr = pg + r * I;
      float* dgate = pd + r * 2 * I;
      float* dup = dgate + I;
      // dup holds act(gate) first, dgate the gradient reaching act(gate).
      std::copy(gate, gate + I, dup);
      kernels::activation(act, dup, I);
      for (int64_t i = 0; i < I; ++i) {
        dgate[i] = gr[i] * up[i];
        dup[i] *= gr[i];
      }
      kernels::activation_backward(act, gate, dgate, dgate, I);
    }
    return std::vector<Tensor>{dx};
  });
}

}  // namespace cuddle::ops::grad
