// DETR's encoder-decoder transformer, named as transformers' modeling_detr
// (encoder.layers.N.*, decoder.layers.N.*, decoder.layernorm). Post-norm layers; position
// embeddings are added to the inputs of the query and key projections only, never to the
// values.
#pragma once
#include <memory>
#include <vector>

#include "cuddle/nn.h"
#include "models/detr/detr_config.h"

namespace cuddle::models {

// DetrAttention: q_proj / k_proj / v_proj / out_proj. Queries come from x + x_pos, keys from
// kv + kv_pos, values from kv (kv = x for self-attention). key_mask [B, Sk] 1 = attend,
// 0 = padding, or undefined.
class DetrAttention : public nn::Module {
 public:
  DetrAttention(int64_t d_model, int64_t heads);
  Tensor forward(const Tensor& x, const Tensor& x_pos, const Tensor& kv, const Tensor& kv_pos,
                 const Tensor& key_mask) const;
  nn::Linear q_proj, k_proj, v_proj, out_proj;

 private:
  int64_t heads_;
};

// fc1 -> activation -> fc2, then LayerNorm(x + that) (final_layer_norm). Mounted at its
// layer's own level: transformers keeps these directly in the encoder / decoder layer.
class DetrFeedForward : public nn::Module {
 public:
  DetrFeedForward(int64_t d_model, int64_t ffn_dim, Activation act);
  Tensor forward(const Tensor& x) const;

 private:
  nn::Linear fc1_, fc2_;
  nn::LayerNorm norm_;
  Activation act_;
};

class DetrEncoderLayer : public nn::Module {
 public:
  explicit DetrEncoderLayer(const DetrConfig& c);
  // x [B, S, d]; pos [B, S, d] spatial position embeddings; mask [B, S].
  Tensor forward(const Tensor& x, const Tensor& pos, const Tensor& mask) const;

 private:
  DetrAttention self_attn_;
  nn::LayerNorm self_attn_layer_norm_;
  DetrFeedForward ffn_;
};

class DetrDecoderLayer : public nn::Module {
 public:
  explicit DetrDecoderLayer(const DetrConfig& c);
  // x [B, Q, d]; query_pos [B, Q, d]; memory [B, S, d] (encoder output) with its spatial
  // position embeddings and padding mask [B, S].
  Tensor forward(const Tensor& x, const Tensor& query_pos, const Tensor& memory,
                 const Tensor& memory_pos, const Tensor& memory_mask) const;

 private:
  DetrAttention self_attn_;
  nn::LayerNorm self_attn_layer_norm_;
  DetrAttention encoder_attn_;
  nn::LayerNorm encoder_attn_layer_norm_;
  DetrFeedForward ffn_;
};

}  // namespace cuddle::models
