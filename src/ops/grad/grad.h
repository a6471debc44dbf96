// Backward rules of the ops: each record_* attaches to an op's output the node that maps
// its gradient back to the inputs that need one (include/cuddle/autograd.h). The ops call
// them only when autograd::needs_grad() on their inputs, so inference never gets here.
//
// Arguments named *_in are the tensors the caller passed (their autograd state is what
// the gradients flow to); the others are the f32 contiguous versions the forward computed
// with, saved (detached) for the rule.
#pragma once
#include <vector>

#include "cuddle/activation.h"
#include "cuddle/tensor.h"
#include "kernels/cpu/kernels.h"

namespace cuddle::ops::grad {

// y = x W^T + b with W given as stacked row blocks (one block for a plain Linear weight):
// inputs are x, then each weight block, then the bias (when defined).
void record_linear(Tensor& y, const Tensor& x_in, const std::vector<Tensor>& weights_in,
                   const Tensor& bias_in, const Tensor& x, const std::vector<Tensor>& weights);

// c = a + b, b of a's shape or a suffix of it.
void record_add(Tensor& c, const Tensor& a_in, const Tensor& b_in);

// y = act(x).
void record_activation(Tensor& y, const Tensor& x_in, const Tensor& x, Activation act);

// y = LayerNorm(x + residual) (residual_in null for the plain form).
void record_layer_norm(Tensor& y, const Tensor& x_in, const Tensor* residual_in, const Tensor& weight_in,
                       const Tensor& bias_in, const Tensor& x, const Tensor& residual, const Tensor& weight,
                       float eps);

// y = softmax(x) along `dim`.
void record_softmax(Tensor& y, const Tensor& x_in, int64_t dim);

// y = weight[ids]: a leaf weight gets its rows accumulated in place (sparse-friendly).
void record_embedding(Tensor& y, const Tensor& weight_in, const Tensor& ids);
// y = embedding_columns(table, ids): a leaf table gets its columns accumulated in place.
void record_embedding_columns(Tensor& y, const Tensor& table_in, const Tensor& ids);

// ctx = attention(q, k, v) as kernels::attention computed it.
void record_attention(Tensor& ctx, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                      const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_bias,
                      const kernels::AttentionShape& shape, float scale, bool causal);

}  // namespace cuddle::ops::grad

namespace cuddle::kernels {
struct Window2d;
}

namespace cuddle::ops::grad {

// y = conv2d(x, w, b) before any activation (the op records the activation on its own).
void record_conv2d(Tensor& y, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const Tensor& x,
                   const Tensor& w, const kernels::Window2d& s, int64_t groups);
void record_max_pool2d(Tensor& y, const Tensor& x_in, const Tensor& x, const kernels::Window2d& s);
void record_adaptive_avg_pool2d(Tensor& y, const Tensor& x_in);
// out = patchify(x, p): the gradient scatters back (the remainder rows / columns get zero).
void record_patchify(Tensor& out, const Tensor& x_in, int64_t p);

}  // namespace cuddle::ops::grad

namespace cuddle::kernels {
struct CausalAttentionShape;
}

namespace cuddle::ops::grad {

// ---- decoder ops (decoder_grad.cpp) ----

// y = rms_norm(x, weight) with x, weight the f32 contiguous tensors the forward read.
void record_rms_norm(Tensor& y, const Tensor& x_in, const Tensor& weight_in, const Tensor& x, const Tensor& weight,
                     float eps, float offset);
// y = rotary_embedding(x, cos, sin): cos / sin are positions, not differentiated.
void record_rotary(Tensor& y, const Tensor& x_in, const Tensor& cos, const Tensor& sin, int64_t head_dim);
// ctx = causal_attention(q, k, v) as kernels::causal_attention computed it (mask: i64 or undefined).
void record_causal_attention(Tensor& ctx, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                             const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                             const kernels::CausalAttentionShape& shape, float scale, int64_t window, float softcap);
// y = act(x[..., :I]) * x[..., I:].
void record_gated_activation(Tensor& y, const Tensor& x_in, const Tensor& x, Activation act);

}  // namespace cuddle::ops::grad
