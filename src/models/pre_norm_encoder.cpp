#include "models/pre_norm_encoder.h"

#include "cuddle/ops.h"

namespace cuddle::models {

PreNormEncoderLayer::PreNormEncoderLayer(const PreNormLayerShape& s, const PreNormLayerNames& n)
    : norm1(s.hidden_size, static_cast<float>(s.layer_norm_eps)),
      norm2(s.hidden_size, static_cast<float>(s.layer_norm_eps)),
      query(s.hidden_size, s.hidden_size, s.qkv_bias),
      key(s.hidden_size, s.hidden_size, s.qkv_bias),
      value(s.hidden_size, s.hidden_size, s.qkv_bias),
      attention_out(s.hidden_size, s.hidden_size),
      fc1(s.hidden_size, s.intermediate_size),
      fc2(s.intermediate_size, s.hidden_size),
      heads_(s.num_heads),
      act_(s.activation),
      qkv_(query, key, value) {
  register_module(n.norm1, norm1);
  register_module(n.query, query);
  register_module(n.key, key);
  register_module(n.value, value);
  register_module(n.attention_out, attention_out);
  register_module(n.norm2, norm2);
  register_module(n.fc1, fc1);
  register_module(n.fc2, fc2);
}

Tensor PreNormEncoderLayer::forward(const Tensor& x, const Tensor& attention_mask,
                                    bool causal) const {
  Tensor context = qkv_.context(norm1.forward(x), heads_, attention_mask, causal);
  Tensor a = ops::add(attention_out.forward(context), x);
  return ops::add(fc2.forward(fc1.forward(norm2.forward(a), act_)), a);
}

}  // namespace cuddle::models
