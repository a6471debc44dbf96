// Self-attention through one fused Q|K|V projection: the three torch Linear weights keep
// their own state-dict keys, and after loading they are stacked by rows (without copying:
// the GEMM reads each in place) so each layer runs a single [3W, W] GEMM instead of three,
// then attention reads the Q, K and V column blocks in place.
#pragma once
#include "cuddle/nn.h"
#include "cuddle/ops.h"

namespace cuddle::models {

// Rows of each part in turn (contiguous f32, equal row widths): a fused projection's bias.
Tensor stack_rows(const std::vector<Tensor>& parts);

class FusedQkv {
 public:
  // The three projections run here, fused, rather than each on its own.
  FusedQkv(nn::Linear& q, nn::Linear& k, nn::Linear& v) : q_(q), k_(k), v_(v) {
    q.prepare_on_load = k.prepare_on_load = v.prepare_on_load = false;
  }
  // Rebuilds the fused weight and bias (none when the projections have none, as ViT's
  // qkv_bias=false) from the three projections (after loading).
  void build();
  // Attention context [B, S, W] for hidden states x [B, S, W]; causal as ops::attention.
  Tensor context(const Tensor& x, int64_t num_heads, const Tensor& attention_mask,
                 bool causal = false) const;

 private:
  const nn::Linear &q_, &k_, &v_;
  ops::LinearWeight weight_;  // the three [W, W] weights stacked by rows
  Tensor bias_;
};

}  // namespace cuddle::models
