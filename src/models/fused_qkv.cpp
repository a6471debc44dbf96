#include "models/fused_qkv.h"

#include <cstring>

#include "cuddle/ops.h"

namespace cuddle::models {

Tensor stack_rows(const std::vector<Tensor>& parts) {
  Shape shape = parts.at(0).shape();
  shape[0] = 0;
  for (const auto& t : parts) shape[0] += t.size(0);
  Tensor out = Tensor::empty(shape);
  auto* dst = static_cast<unsigned char*>(out.raw_data());
  for (const auto& t : parts) {
    Tensor src = t.contiguous();
    std::memcpy(dst, src.raw_data(), src.nbytes());
    dst += src.nbytes();
  }
  return out;
}

void FusedQkv::build() {
  // Quantized projections run each on its own (their kernels read the quantized weight).
  if (q_.quantized || k_.quantized || v_.quantized) {
    weight_ = ops::LinearWeight();
    bias_ = Tensor();
    return;
  }
  weight_ = ops::LinearWeight(std::vector<Tensor>{q_.weight, k_.weight, v_.weight});
  bias_ = q_.bias.defined() ? stack_rows({q_.bias, k_.bias, v_.bias}) : Tensor();
}

Tensor FusedQkv::context(const Tensor& x, int64_t num_heads, const Tensor& attention_mask,
                         bool causal) const {
  // Quantized projections (no fused weight), and a trainable or adapted model, run the three
  // projections on their own: each weight and bias then records its own gradient, the
  // values optimisers update in place are read as they are now (the fused bias is a copy
  // made at load), and adapters apply.
  if (weight_.empty() || q_.weight.requires_grad() || k_.weight.requires_grad() || v_.weight.requires_grad() ||
      (q_.adapter && q_.adapter->active()) || (k_.adapter && k_.adapter->active()) ||
      (v_.adapter && v_.adapter->active()))
    return ops::attention(q_.forward(x), k_.forward(x), v_.forward(x), num_heads, attention_mask, causal);
  const int64_t W = q_.weight.size(0);
  Tensor qkv = ops::linear(x, weight_, bias_);
  return ops::attention(qkv.slice(2, 0, W), qkv.slice(2, W, 2 * W), qkv.slice(2, 2 * W, 3 * W),
                        num_heads, attention_mask, causal);
}

}  // namespace cuddle::models
