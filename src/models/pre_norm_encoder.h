// The pre-norm transformer block ViT and both CLIP towers share:
//   a = x + out_proj(attention(norm1(x)));  y = a + fc2(act(fc1(norm2(a))))
// The computation is identical; only the state-dict names differ per family, so each
// family passes its own names (ViT's layernorm_before / attention.attention.query / ...,
// CLIP's layer_norm1 / self_attn.q_proj / ...).
#pragma once
#include "cuddle/activation.h"
#include "cuddle/nn.h"
#include "models/fused_qkv.h"

namespace cuddle::models {

struct PreNormLayerShape {
  int64_t hidden_size;
  int64_t intermediate_size;
  int64_t num_heads;
  Activation activation;
  double layer_norm_eps;
  bool qkv_bias = true;
};

// State-dict names of the block's parts, relative to the layer.
struct PreNormLayerNames {
  const char* norm1;
  const char* query;
  const char* key;
  const char* value;
  const char* attention_out;
  const char* norm2;
  const char* fc1;
  const char* fc2;
};

class PreNormEncoderLayer : public nn::Module {
 public:
  PreNormEncoderLayer(const PreNormLayerShape& shape, const PreNormLayerNames& names);
  void on_loaded() override { qkv_.build(); }
  // x [B, S, W]; attention_mask [B, S] (1 = token) or undefined; causal for CLIP's text tower.
  Tensor forward(const Tensor& x, const Tensor& attention_mask = {}, bool causal = false) const;

  nn::LayerNorm norm1, norm2;
  nn::Linear query, key, value, attention_out, fc1, fc2;

 private:
  int64_t heads_;
  Activation act_;
  FusedQkv qkv_;
};

}  // namespace cuddle::models
