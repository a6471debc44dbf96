#include "models/llama/llama_config.h"

namespace cuddle::models {

std::shared_ptr<LlamaConfig> read_llama_config(const ConfigReader& r) {
  auto c = std::make_shared<LlamaConfig>();
  const std::string type = r.string("model_type", "llama");
  // Defaults of each family's configuration class where they differ from Llama's.
  if (type == "mistral") {
    c->intermediate_size = 14336;
    c->num_key_value_heads = 8;
    c->max_position_embeddings = 4096 * 32;
    c->sliding_window = 4096;
  } else if (type == "qwen2") {
    c->vocab_size = 151936;
    c->intermediate_size = 22016;
    c->num_key_value_heads = 32;
    c->max_position_embeddings = 32768;
    c->qkv_bias = true;
  } else if (type == "qwen3") {
    c->vocab_size = 151936;
    c->intermediate_size = 22016;
    c->num_key_value_heads = 32;
    c->max_position_embeddings = 32768;
    c->head_dim = 128;
    c->qk_norm = true;
  }
  c->bos_token_id = 1;
  c->eos_token_id = 2;
  c->tie_word_embeddings = false;
  c->vocab_size = r.integer("vocab_size", c->vocab_size);
  c->hidden_size = r.integer("hidden_size", c->hidden_size);
  c->intermediate_size = r.integer("intermediate_size", c->intermediate_size);
  c->num_hidden_layers = r.integer("num_hidden_layers", c->num_hidden_layers);
  c->num_attention_heads = r.integer("num_attention_heads", c->num_attention_heads);
  c->num_key_value_heads = r.optional_integer("num_key_value_heads", std::nullopt)
                               .value_or(c->num_key_value_heads ? c->num_key_value_heads
                                                                : c->num_attention_heads);
  c->max_position_embeddings = r.integer("max_position_embeddings", c->max_position_embeddings);
  c->hidden_act = r.string("hidden_act", c->hidden_act);
  c->activation = r.activation("hidden_act", c->hidden_act);
  c->rms_norm_eps = r.number("rms_norm_eps", c->rms_norm_eps);
  c->attention_bias = r.boolean("attention_bias", c->attention_bias);
  c->mlp_bias = r.boolean("mlp_bias", c->mlp_bias);
  if (type == "mistral") {
    c->sliding_window = r.optional_integer("sliding_window", c->sliding_window).value_or(0);
  } else if (type == "qwen2" || type == "qwen3") {
    // Qwen applies the window only when use_sliding_window is set.
    const auto window = r.optional_integer("sliding_window", std::nullopt);
    if (r.boolean("use_sliding_window", false) && window) c->sliding_window = *window;
  }
  for (const char* key : {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                          "num_attention_heads", "max_position_embeddings"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c->num_key_value_heads < 1 || c->num_attention_heads % c->num_key_value_heads != 0)
    r.fail("num_key_value_heads",
           "a positive divisor of num_attention_heads (" + std::to_string(c->num_attention_heads) + ")");
  const auto head_dim = r.optional_integer("head_dim", std::nullopt);
  if (head_dim) {
    c->head_dim = *head_dim;
  } else if (c->head_dim == 0) {
    if (c->hidden_size % c->num_attention_heads != 0)
      r.fail("num_attention_heads", "a divisor of hidden_size (or give head_dim)");
    c->head_dim = c->hidden_size / c->num_attention_heads;
  }
  if (c->head_dim < 2 || c->head_dim % 2 != 0) r.fail("head_dim", "a positive even integer");
  if (c->sliding_window < 0) r.fail("sliding_window", "a positive integer or null");
  c->rope = read_rope_parameters(r, c->max_position_embeddings);
  return c;
}

}  // namespace cuddle::models
