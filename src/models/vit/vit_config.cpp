#include "models/vit/vit_config.h"

#include "cuddle/error.h"

namespace cuddle::models {

std::shared_ptr<ViTConfig> read_vit_config(const ConfigReader& r) {
  auto c = std::make_shared<ViTConfig>();
  c->hidden_size = r.integer("hidden_size", c->hidden_size);
  c->num_hidden_layers = r.integer("num_hidden_layers", c->num_hidden_layers);
  c->num_attention_heads = r.integer("num_attention_heads", c->num_attention_heads);
  c->intermediate_size = r.integer("intermediate_size", c->intermediate_size);
  c->hidden_act = r.string("hidden_act", c->hidden_act);
  c->activation = r.activation("hidden_act", c->hidden_act);
  c->hidden_dropout_prob = r.number("hidden_dropout_prob", c->hidden_dropout_prob);
  c->attention_probs_dropout_prob =
      r.number("attention_probs_dropout_prob", c->attention_probs_dropout_prob);
  c->layer_norm_eps = r.number("layer_norm_eps", c->layer_norm_eps);
  c->image_size = r.integer("image_size", c->image_size);
  c->patch_size = r.integer("patch_size", c->patch_size);
  c->num_channels = r.integer("num_channels", c->num_channels);
  c->qkv_bias = r.boolean("qkv_bias", c->qkv_bias);
  c->encoder_stride = r.integer("encoder_stride", c->encoder_stride);
  c->pooler_output_size = r.integer("pooler_output_size", c->hidden_size);
  c->pooler_act = r.string("pooler_act", c->pooler_act);
  c->pooler_activation = r.activation("pooler_act", c->pooler_act);

  for (const char* key : {"hidden_size", "num_hidden_layers", "num_attention_heads",
                          "intermediate_size", "image_size", "patch_size", "num_channels",
                          "pooler_output_size"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c->hidden_size % c->num_attention_heads != 0)
    r.fail("num_attention_heads", "a divisor of hidden_size (" + std::to_string(c->hidden_size) + ")");
  if (c->patch_size > c->image_size)
    r.fail("patch_size", "at most image_size (" + std::to_string(c->image_size) + ")");
  return c;
}

}  // namespace cuddle::models
