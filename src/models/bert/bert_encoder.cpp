#include "models/bert/bert_encoder.h"

#include "cuddle/ops.h"

namespace cuddle::models {

void check_encoder_inputs(const ModelInputs& in, int64_t max_positions, const std::string& model) {
  const std::string who = model + ": ";
  if (!in.input_ids.defined() || in.input_ids.dim() != 2)
    throw ShapeError(who + "input_ids must be [batch, sequence], got " +
                     (in.input_ids.defined() ? in.input_ids.describe() : "nothing"));
  for (const auto* t : {&in.attention_mask, &in.token_type_ids})
    if (t->defined() && t->shape() != in.input_ids.shape())
      throw ShapeError(who + (t == &in.attention_mask ? "attention_mask " : "token_type_ids ") +
                       t->describe() + " must match input_ids " + in.input_ids.describe());
  if (in.input_ids.size(1) > max_positions)
    throw ShapeError(who + "sequence length " + std::to_string(in.input_ids.size(1)) +
                     " exceeds max_position_embeddings " + std::to_string(max_positions));
}

// ---- embeddings ----

BertEmbeddings::BertEmbeddings(const BertConfig& c, PositionIds positions)
    : word_embeddings(c.vocab_size, c.hidden_size),
      position_embeddings(c.max_position_embeddings, c.hidden_size),
      token_type_embeddings(c.type_vocab_size, c.hidden_size),
      LayerNorm(c.hidden_size, static_cast<float>(c.layer_norm_eps)),
      dropout(static_cast<float>(c.hidden_dropout_prob)),
      positions_(positions),
      padding_idx_(c.pad_token_id.value_or(0)) {
  register_module("word_embeddings", word_embeddings);
  register_module("position_embeddings", position_embeddings);
  register_module("token_type_embeddings", token_type_embeddings);
  register_module("LayerNorm", LayerNorm);
  register_module("dropout", dropout);
}

int64_t BertEmbeddings::max_sequence_length() const {
  const int64_t table = position_embeddings.weight.defined() ? position_embeddings.weight.size(0) : 0;
  return positions_ == PositionIds::Absolute ? table : table - padding_idx_ - 1;
}

Tensor BertEmbeddings::position_ids(const Tensor& input_ids) const {
  const int64_t B = input_ids.size(0), S = input_ids.size(1);
  Tensor pos = Tensor::empty({B, S}, DType::I64);
  int64_t* p = pos.data<int64_t>();
  if (positions_ == PositionIds::Absolute) {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t s = 0; s < S; ++s) p[b * S + s] = s;
    return pos;
  }
  const Tensor ids = input_ids.to(DType::I64);
  const int64_t* id = ids.data<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t count = 0;
    for (int64_t s = 0; s < S; ++s) {
      const bool real = id[b * S + s] != padding_idx_;
      count += real;
      p[b * S + s] = real ? count + padding_idx_ : padding_idx_;
    }
  }
  return pos;
}

Tensor BertEmbeddings::forward(const Tensor& input_ids, const Tensor& token_type_ids) const {
  const Tensor types =
      token_type_ids.defined() ? token_type_ids : Tensor::zeros(input_ids.shape(), DType::I64);
  // transformers' order: (word + token_type) + position, then LayerNorm.
  Tensor e = ops::add(word_embeddings.forward(input_ids), token_type_embeddings.forward(types));
  return dropout.forward(LayerNorm.forward(e, position_embeddings.forward(position_ids(input_ids))));
}

// ---- attention ----

BertSelfAttention::BertSelfAttention(const BertConfig& c)
    : query(c.hidden_size, c.hidden_size),
      key(c.hidden_size, c.hidden_size),
      value(c.hidden_size, c.hidden_size),
      heads_(c.num_attention_heads),
      qkv_(query, key, value) {
  register_module("query", query);
  register_module("key", key);
  register_module("value", value);
}

Tensor BertSelfAttention::forward(const Tensor& x, const Tensor& attention_mask) const {
  return qkv_.context(x, heads_, attention_mask);
}

BertResidualOutput::BertResidualOutput(int64_t in, int64_t out, double eps, double dropout_p)
    : dense(in, out), LayerNorm(out, static_cast<float>(eps)), dropout(static_cast<float>(dropout_p)) {
  register_module("dense", dense);
  register_module("LayerNorm", LayerNorm);
  register_module("dropout", dropout);
}

Tensor BertResidualOutput::forward(const Tensor& x, const Tensor& residual) const {
  return LayerNorm.forward(dropout.forward(dense.forward(x)), residual);
}

BertAttention::BertAttention(const BertConfig& c)
    : self(c), output(c.hidden_size, c.hidden_size, c.layer_norm_eps, c.hidden_dropout_prob) {
  register_module("self", self);
  register_module("output", output);
}

Tensor BertAttention::forward(const Tensor& x, const Tensor& attention_mask) const {
  return output.forward(self.forward(x, attention_mask), x);
}

BertIntermediate::BertIntermediate(const BertConfig& c)
    : dense(c.hidden_size, c.intermediate_size), act_(c.activation) {
  register_module("dense", dense);
}

BertLayer::BertLayer(const BertConfig& c)
    : attention(c), intermediate(c), output(c.intermediate_size, c.hidden_size, c.layer_norm_eps, c.hidden_dropout_prob) {
  register_module("attention", attention);
  register_module("intermediate", intermediate);
  register_module("output", output);
}

Tensor BertLayer::forward(const Tensor& x, const Tensor& attention_mask) const {
  Tensor a = attention.forward(x, attention_mask);
  return output.forward(intermediate.forward(a), a);
}

BertPooler::BertPooler(const BertConfig& c) : dense(c.hidden_size, c.hidden_size) {
  register_module("dense", dense);
}

Tensor BertPooler::forward(const Tensor& hidden) const {
  return dense.forward(hidden.select(1, 0), Activation::Tanh);
}

// ---- backbone ----

BertBackbone::BertBackbone(const BertConfig& c, PositionIds positions, bool add_pooling_layer)
    : embeddings(c, positions) {
  register_module("embeddings", embeddings);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layers.push_back(std::make_unique<BertLayer>(c));
    register_module("encoder.layer." + std::to_string(i), *layers.back());
  }
  if (add_pooling_layer) {
    pooler = std::make_unique<BertPooler>(c);
    register_module("pooler", *pooler);
  }
}

BertBackbone::Result BertBackbone::forward(const ModelInputs& in, const std::string& model) const {
  check_encoder_inputs(in, embeddings.max_sequence_length(), model);
  Result r;
  r.hidden_states.push_back(embeddings.forward(in.input_ids, in.token_type_ids));
  for (const auto& layer : layers)
    r.hidden_states.push_back(layer->forward(r.hidden_states.back(), in.attention_mask));
  if (pooler) r.pooled = pooler->forward(r.hidden_states.back());
  return r;
}

}  // namespace cuddle::models
