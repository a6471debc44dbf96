#include "models/gpt2/gpt2_config.h"

namespace cuddle::models {

std::shared_ptr<GPT2Config> read_gpt2_config(const ConfigReader& r) {
  auto c = std::make_shared<GPT2Config>();
  c->bos_token_id = c->eos_token_id = 50256;
  c->vocab_size = r.integer("vocab_size", c->vocab_size);
  c->n_positions = r.integer("n_positions", c->n_positions);
  c->n_embd = r.integer("n_embd", c->n_embd);
  c->n_layer = r.integer("n_layer", c->n_layer);
  c->n_head = r.integer("n_head", c->n_head);
  c->n_inner = r.optional_integer("n_inner", std::nullopt).value_or(4 * c->n_embd);
  c->activation_function = r.string("activation_function", c->activation_function);
  c->activation = r.activation("activation_function", c->activation_function);
  c->layer_norm_epsilon = r.number("layer_norm_epsilon", c->layer_norm_epsilon);
  c->scale_attn_weights = r.boolean("scale_attn_weights", c->scale_attn_weights);
  c->scale_attn_by_inverse_layer_idx =
      r.boolean("scale_attn_by_inverse_layer_idx", c->scale_attn_by_inverse_layer_idx);
  c->embd_pdrop = r.number("embd_pdrop", c->embd_pdrop);
  c->resid_pdrop = r.number("resid_pdrop", c->resid_pdrop);
  c->attn_pdrop = r.number("attn_pdrop", c->attn_pdrop);
  for (const char* key : {"vocab_size", "n_positions", "n_embd", "n_layer", "n_head"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c->n_inner < 1) r.fail("n_inner", "a positive integer or null");
  if (c->n_embd % c->n_head != 0)
    r.fail("n_head", "a divisor of n_embd (" + std::to_string(c->n_embd) + ")");
  return c;
}

}  // namespace cuddle::models
