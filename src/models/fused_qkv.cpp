#include "models/fused_qkv.h"

#include <cstring>

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {
// Rows of a, then b, then c (all contiguous f32 with the same row width): the fused bias.
Tensor stack_rows(const Tensor& a, const Tensor& b, const Tensor& c) {
  Shape shape = a.shape();
  shape[0] = a.size(0) + b.size(0) + c.size(0);
  Tensor out = Tensor::empty(shape);
  auto* dst = static_cast<unsigned char*>(out.raw_data());
  for (const Tensor* t : {&a, &b, &c}) {
    Tensor src = t->contiguous();
    std::memcpy(dst, src.raw_data(), src.nbytes());
    dst += src.nbytes();
  }
  return out;
}
}  // namespace

void FusedQkv::build() {
  // Quantized projections run each on its own (their kernels read the quantized weight).
  if (q_.quantized || k_.quantized || v_.quantized) {
    weight_ = ops::LinearWeight();
    bias_ = Tensor();
    return;
  }
  weight_ = ops::LinearWeight(std::vector<Tensor>{q_.weight, k_.weight, v_.weight});
  bias_ = q_.bias.defined() ? stack_rows(q_.bias, k_.bias, v_.bias) : Tensor();
}

Tensor FusedQkv::context(const Tensor& x, int64_t num_heads, const Tensor& attention_mask,
                         bool causal) const {
  // Quantized projections (no fused weight), and a trainable or adapted model, run the three
  // projections on their own: each weight and bias then records its own gradient, the
  // values optimisers update in place are read as they are now (the fused bias is a copy
  // made at load), and adapters apply.
  if (weight_.empty() || q_.weight.requires_grad() || k_.weight.requires_grad() || v_.weight.requires_grad() ||
      q_.adapter || k_.adapter || v_.adapter)
    return ops::attention(q_.forward(x), k_.forward(x), v_.forward(x), num_heads, attention_mask, causal);
  const int64_t W = q_.weight.size(0);
  Tensor qkv = ops::linear(x, weight_, bias_);
  return ops::attention(qkv.slice(2, 0, W), qkv.slice(2, W, 2 * W), qkv.slice(2, 2 * W, 3 * W),
                        num_heads, attention_mask, causal);
}

}  // namespace cuddle::models
