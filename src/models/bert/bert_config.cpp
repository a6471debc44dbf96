#include "models/bert/bert_config.h"

#include "cuddle/error.h"

namespace cuddle::models {

std::shared_ptr<BertConfig> read_bert_config(const ConfigReader& r, int64_t default_vocab,
                                             int64_t default_pad, std::optional<int64_t> bos,
                                             std::optional<int64_t> eos) {
  auto c = std::make_shared<BertConfig>();
  c->pad_token_id = default_pad;
  c->bos_token_id = bos;
  c->eos_token_id = eos;
  c->vocab_size = r.integer("vocab_size", default_vocab);
  c->hidden_size = r.integer("hidden_size", c->hidden_size);
  c->num_hidden_layers = r.integer("num_hidden_layers", c->num_hidden_layers);
  c->num_attention_heads = r.integer("num_attention_heads", c->num_attention_heads);
  c->intermediate_size = r.integer("intermediate_size", c->intermediate_size);
  c->hidden_act = r.string("hidden_act", c->hidden_act);
  c->activation = r.activation("hidden_act", c->hidden_act);
  c->hidden_dropout_prob = r.number("hidden_dropout_prob", c->hidden_dropout_prob);
  c->attention_probs_dropout_prob =
      r.number("attention_probs_dropout_prob", c->attention_probs_dropout_prob);
  c->max_position_embeddings = r.integer("max_position_embeddings", c->max_position_embeddings);
  c->type_vocab_size = r.integer("type_vocab_size", c->type_vocab_size);
  c->layer_norm_eps = r.number("layer_norm_eps", c->layer_norm_eps);
  if (r.json().contains("classifier_dropout") && !r.json()["classifier_dropout"].is_null())
    c->classifier_dropout = r.number("classifier_dropout", 0.0);

  // What this implementation runs: an absolute-position bidirectional encoder.
  const std::string pos = r.string("position_embedding_type", "absolute");
  if (pos != "absolute") r.fail("position_embedding_type", "\"absolute\" (the only kind supported)");
  if (r.boolean("is_decoder", false)) r.fail("is_decoder", "false (decoder use is not supported)");
  if (r.boolean("add_cross_attention", false))
    r.fail("add_cross_attention", "false (cross-attention is not supported)");
  for (const char* key : {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                          "intermediate_size", "max_position_embeddings", "type_vocab_size"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c->hidden_size % c->num_attention_heads != 0)
    r.fail("num_attention_heads", "a divisor of hidden_size (" + std::to_string(c->hidden_size) + ")");
  return c;
}

}  // namespace cuddle::models
