#include "cuddle/nn.h"

#include "cuddle/mapped_file.h"
#include "cuddle/ops.h"

namespace cuddle::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias) {
  register_parameter("weight", weight, {out_features, in_features});
  if (with_bias) register_parameter("bias", bias, {out_features});
}

Tensor Linear::forward(const Tensor& x, Activation act) const {
  if (!packed_.empty() && packed_.out_features() == weight.size(0) &&
      packed_.in_features() == weight.size(1))
    return ops::linear(x, packed_, bias, act);
  return ops::linear(x, weight, bias, act);
}

void Linear::on_loaded() {
  if (!pack_on_load) return;
  packed_ = ops::PackedLinear(weight);
  release_mapped_weight(weight);
}

void release_mapped_weight(const Tensor& weight) {
  if (weight.defined() && weight.storage()->read_only() && weight.dtype() == DType::F32)
    release_mapped_pages(weight.raw_data(), weight.nbytes());
}

Embedding::Embedding(int64_t num_embeddings, int64_t dim) {
  register_parameter("weight", weight, {num_embeddings, dim});
}

Tensor Embedding::forward(const Tensor& ids) const { return ops::embedding(weight, ids); }

LayerNorm::LayerNorm(int64_t dim, float eps) : eps(eps) {
  register_parameter("weight", weight, {dim});
  register_parameter("bias", bias, {dim});
}

Tensor LayerNorm::forward(const Tensor& x) const { return ops::layer_norm(x, weight, bias, eps); }

Tensor LayerNorm::forward(const Tensor& x, const Tensor& residual) const {
  return ops::add_layer_norm(x, residual, weight, bias, eps);
}

}  // namespace cuddle::nn
