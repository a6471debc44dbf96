#include "cuddle/nn.h"

#include "cuddle/ops.h"
#include "quantized_linear_grad.h"

namespace cuddle::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias) {
  register_parameter("weight", weight, {out_features, in_features});
  if (with_bias) register_parameter("bias", bias, {out_features});
}

Tensor add_adapter(const LayerAdapter& adapter, const Tensor& x, Tensor y, Activation act) {
  if (!adapter.add_into(x, y)) y = ops::add(y, adapter.delta(x));
  return act == Activation::Identity ? y : ops::activation(y, act);
}

Tensor Linear::forward(const Tensor& x, Activation act) const {
  if (!adapter_active(adapter)) return forward_base(x, act);
  return add_adapter(*adapter, x, forward_base(x, Activation::Identity), act);
}

Tensor Linear::forward_base(const Tensor& x, Activation act) const {
  if (quantized) return quantized_linear_with_grad(quantized, x, bias, act);
  if (!gemm_weight_.empty() && gemm_weight_.reads(weight)) return ops::linear(x, gemm_weight_, bias, act);
  return ops::linear(x, weight, bias, act);
}

void Linear::on_loaded() {
  // A quantized weight computes itself; the f32 one (if any) is let go.
  if (quantized) gemm_weight_ = ops::LinearWeight();
  else if (prepare_on_load) gemm_weight_ = ops::LinearWeight(weight);
}

Embedding::Embedding(int64_t num_embeddings, int64_t dim) {
  register_parameter("weight", weight, {num_embeddings, dim});
}

Tensor Embedding::forward(const Tensor& ids) const {
  Tensor y = ops::embedding(weight, ids);
  return adapter_active(adapter) ? add_adapter(*adapter, ids, std::move(y)) : y;
}

LayerNorm::LayerNorm(int64_t dim, float eps) : eps(eps) {
  register_parameter("weight", weight, {dim});
  register_parameter("bias", bias, {dim});
}

Tensor LayerNorm::forward(const Tensor& x) const { return ops::layer_norm(x, weight, bias, eps); }

Tensor LayerNorm::forward(const Tensor& x, const Tensor& residual) const {
  return ops::add_layer_norm(x, residual, weight, bias, eps);
}

}  // namespace cuddle::nn
