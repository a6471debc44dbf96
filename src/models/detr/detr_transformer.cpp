#include "models/detr/detr_transformer.h"

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {
constexpr float kLayerNormEps = 1e-5f;  // torch.nn.LayerNorm's default, which DETR keeps
}

DetrAttention::DetrAttention(int64_t d_model, int64_t heads)
    : q_proj(d_model, d_model), k_proj(d_model, d_model), v_proj(d_model, d_model),
      out_proj(d_model, d_model), heads_(heads) {
  register_module("q_proj", q_proj);
  register_module("k_proj", k_proj);
  register_module("v_proj", v_proj);
  register_module("out_proj", out_proj);
}

Tensor DetrAttention::forward(const Tensor& x, const Tensor& x_pos, const Tensor& kv,
                              const Tensor& kv_pos, const Tensor& key_mask) const {
  const Tensor q_in = ops::add(x, x_pos);
  // Self-attention passes the same tensors twice: queries and keys share one input.
  const Tensor k_in = &kv == &x && &kv_pos == &x_pos ? q_in : ops::add(kv, kv_pos);
  Tensor ctx = ops::attention(q_proj.forward(q_in), k_proj.forward(k_in), v_proj.forward(kv),
                              heads_, key_mask);
  return out_proj.forward(ctx);
}

DetrFeedForward::DetrFeedForward(int64_t d_model, int64_t ffn_dim, Activation act)
    : fc1_(d_model, ffn_dim), fc2_(ffn_dim, d_model), norm_(d_model, kLayerNormEps), act_(act) {
  register_module("fc1", fc1_);
  register_module("fc2", fc2_);
  register_module("final_layer_norm", norm_);
}

Tensor DetrFeedForward::forward(const Tensor& x) const {
  return norm_.forward(fc2_.forward(fc1_.forward(x, act_)), x);
}

DetrEncoderLayer::DetrEncoderLayer(const DetrConfig& c)
    : self_attn_(c.d_model, c.encoder_attention_heads),
      self_attn_layer_norm_(c.d_model, kLayerNormEps),
      ffn_(c.d_model, c.encoder_ffn_dim, c.activation) {
  register_module("self_attn", self_attn_);
  register_module("self_attn_layer_norm", self_attn_layer_norm_);
  register_module("", ffn_);
}

Tensor DetrEncoderLayer::forward(const Tensor& x, const Tensor& pos, const Tensor& mask) const {
  Tensor h = self_attn_layer_norm_.forward(self_attn_.forward(x, pos, x, pos, mask), x);
  return ffn_.forward(h);
}

DetrDecoderLayer::DetrDecoderLayer(const DetrConfig& c)
    : self_attn_(c.d_model, c.decoder_attention_heads),
      self_attn_layer_norm_(c.d_model, kLayerNormEps),
      encoder_attn_(c.d_model, c.decoder_attention_heads),
      encoder_attn_layer_norm_(c.d_model, kLayerNormEps),
      ffn_(c.d_model, c.decoder_ffn_dim, c.activation) {
  register_module("self_attn", self_attn_);
  register_module("self_attn_layer_norm", self_attn_layer_norm_);
  register_module("encoder_attn", encoder_attn_);
  register_module("encoder_attn_layer_norm", encoder_attn_layer_norm_);
  register_module("", ffn_);
}

Tensor DetrDecoderLayer::forward(const Tensor& x, const Tensor& query_pos, const Tensor& memory,
                                 const Tensor& memory_pos, const Tensor& memory_mask) const {
  // Queries attend to each other unmasked, then to the image features (padding masked).
  Tensor h = self_attn_layer_norm_.forward(self_attn_.forward(x, query_pos, x, query_pos, {}), x);
  h = encoder_attn_layer_norm_.forward(
      encoder_attn_.forward(h, query_pos, memory, memory_pos, memory_mask), h);
  return ffn_.forward(h);
}

}  // namespace cuddle::models
