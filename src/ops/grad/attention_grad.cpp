#include "cuddle/autograd.h"
#include "kernels/cpu/grad_kernels.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_attention(Tensor& ctx, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                      const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_bias,
                      const kernels::AttentionShape& shape, float scale, bool causal) {
  // Saved: q, k, v as the kernel read them (views into the projection output), the output
  // and the mask; the probabilities are recomputed in backward rather than kept (B*H*S^2).
  const Tensor sq = q.detach(), sk = k.detach(), sv = v.detach(), out = ctx.detach(), bias = key_bias;
  const Shape q_shape = q_in.shape(), kv_shape = k_in.shape();
  autograd::record(ctx, "attention", {&q_in, &k_in, &v_in}, [=](const Tensor& g) {
    Tensor dq = Tensor::empty(q_shape), dk = Tensor::empty(kv_shape), dv = Tensor::empty(kv_shape);
    kernels::attention_backward(sq.data<float>(), sk.data<float>(), sv.data<float>(), out.data<float>(),
                                g.data<float>(), shape, scale, bias.defined() ? bias.data<float>() : nullptr,
                                causal, dq.data<float>(), dk.data<float>(), dv.data<float>());
    return std::vector<Tensor>{dq, dk, dv};
  });
}

}  // namespace cuddle::ops::grad
