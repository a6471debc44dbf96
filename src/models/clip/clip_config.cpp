#include "models/clip/clip_config.h"

#include "cuddle/error.h"

namespace cuddle::models {

namespace {

void read_tower(const ConfigReader& r, CLIPTowerConfig& c) {
  c.hidden_size = r.integer("hidden_size", c.hidden_size);
  c.intermediate_size = r.integer("intermediate_size", c.intermediate_size);
  c.num_hidden_layers = r.integer("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = r.integer("num_attention_heads", c.num_attention_heads);
  c.hidden_act = r.string("hidden_act", c.hidden_act);
  c.activation = r.activation("hidden_act", c.hidden_act);
  c.layer_norm_eps = r.number("layer_norm_eps", c.layer_norm_eps);
  c.attention_dropout = r.number("attention_dropout", c.attention_dropout);
  for (const char* key : {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c.hidden_size % c.num_attention_heads != 0)
    r.fail("num_attention_heads", "a divisor of hidden_size (" + std::to_string(c.hidden_size) + ")");
}

// The nested object `key` (absent or null = all defaults, as transformers).
const nlohmann::json& nested(const ConfigReader& r, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  const auto& j = r.json();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return empty;
  if (!it->is_object()) r.fail(key, "an object");
  return *it;
}

}  // namespace

std::shared_ptr<CLIPConfig> read_clip_config(const ConfigReader& r) {
  auto c = std::make_shared<CLIPConfig>();
  c->projection_dim = r.integer("projection_dim", c->projection_dim);
  c->logit_scale_init_value = r.number("logit_scale_init_value", c->logit_scale_init_value);
  if (c->projection_dim < 1) r.fail("projection_dim", "a positive integer");

  const ConfigReader text(nested(r, "text_config"), r.path() + ": text_config");
  read_tower(text, c->text);
  c->text.vocab_size = text.integer("vocab_size", c->text.vocab_size);
  c->text.max_position_embeddings =
      text.integer("max_position_embeddings", c->text.max_position_embeddings);
  c->text.pad_token_id = text.integer("pad_token_id", c->text.pad_token_id);
  c->text.bos_token_id = text.integer("bos_token_id", c->text.bos_token_id);
  c->text.eos_token_id = text.integer("eos_token_id", c->text.eos_token_id);
  for (const char* key : {"vocab_size", "max_position_embeddings"})
    if (text.integer(key, 1) < 1) text.fail(key, "a positive integer");

  const ConfigReader vision(nested(r, "vision_config"), r.path() + ": vision_config");
  read_tower(vision, c->vision);
  c->vision.image_size = vision.integer("image_size", c->vision.image_size);
  c->vision.patch_size = vision.integer("patch_size", c->vision.patch_size);
  c->vision.num_channels = vision.integer("num_channels", c->vision.num_channels);
  for (const char* key : {"image_size", "patch_size", "num_channels"})
    if (vision.integer(key, 1) < 1) vision.fail(key, "a positive integer");
  if (c->vision.patch_size > c->vision.image_size)
    vision.fail("patch_size", "at most image_size (" + std::to_string(c->vision.image_size) + ")");
  return c;
}

}  // namespace cuddle::models
