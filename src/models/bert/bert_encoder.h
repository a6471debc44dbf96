// The BERT encoder stack, named as transformers' modeling_bert (embeddings.*, encoder.layer.N.*,
// pooler.*). RoBERTa and XLM-RoBERTa reuse it with padding-aware position ids.
#pragma once
#include <memory>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/nn.h"
#include "models/bert/bert_config.h"
#include "models/fused_qkv.h"

namespace cuddle::models {

// How position ids are made: BERT counts 0..S-1; RoBERTa counts only real tokens, starting
// after padding_idx, and gives padding the id padding_idx
// (create_position_ids_from_input_ids).
enum class PositionIds { Absolute, FromPaddingIdx };

class BertEmbeddings : public nn::Module {
 public:
  BertEmbeddings(const BertConfig& c, PositionIds positions);
  Tensor forward(const Tensor& input_ids, const Tensor& token_type_ids) const;
  // Longest sequence the position table covers (RoBERTa's ids run up to S + padding_idx).
  int64_t max_sequence_length() const;
  nn::Embedding word_embeddings, position_embeddings, token_type_embeddings;
  nn::LayerNorm LayerNorm;
  nn::Dropout dropout;  // hidden_dropout_prob, active in training mode only

 private:
  Tensor position_ids(const Tensor& input_ids) const;
  PositionIds positions_;
  int64_t padding_idx_;
};

class BertSelfAttention : public nn::Module {
 public:
  explicit BertSelfAttention(const BertConfig& c);
  void on_loaded() override { qkv_.build(); }
  Tensor forward(const Tensor& x, const Tensor& attention_mask) const;
  nn::Linear query, key, value;

 private:
  int64_t heads_;
  FusedQkv qkv_;
};

// dense + dropout + LayerNorm(x + residual): BertSelfOutput and BertOutput alike.
class BertResidualOutput : public nn::Module {
 public:
  BertResidualOutput(int64_t in, int64_t out, double eps, double dropout_p);
  Tensor forward(const Tensor& x, const Tensor& residual) const;
  nn::Linear dense;
  nn::LayerNorm LayerNorm;
  nn::Dropout dropout;
};

class BertAttention : public nn::Module {
 public:
  explicit BertAttention(const BertConfig& c);
  Tensor forward(const Tensor& x, const Tensor& attention_mask) const;
  BertSelfAttention self;
  BertResidualOutput output;
};

class BertIntermediate : public nn::Module {
 public:
  explicit BertIntermediate(const BertConfig& c);
  Tensor forward(const Tensor& x) const { return dense.forward(x, act_); }  // bias+act fused
  nn::Linear dense;

 private:
  Activation act_;
};

class BertLayer : public nn::Module {
 public:
  explicit BertLayer(const BertConfig& c);
  Tensor forward(const Tensor& x, const Tensor& attention_mask) const;
  BertAttention attention;
  BertIntermediate intermediate;
  BertResidualOutput output;
};

class BertPooler : public nn::Module {
 public:
  explicit BertPooler(const BertConfig& c);
  // tanh(dense(hidden[:, 0])).
  Tensor forward(const Tensor& hidden) const;
  nn::Linear dense;
};

// BertModel's body: embeddings, encoder layers, optional pooler.
class BertBackbone : public nn::Module {
 public:
  BertBackbone(const BertConfig& c, PositionIds positions, bool add_pooling_layer);
  struct Result {
    std::vector<Tensor> hidden_states;  // embeddings output, then each layer's output
    Tensor pooled;                      // undefined without a pooler
  };
  // `model` names the calling class in input errors.
  Result forward(const ModelInputs& inputs, const std::string& model) const;
  void drop_pooler() {
    unregister_module("pooler");
    pooler.reset();
  }

  BertEmbeddings embeddings;
  std::vector<std::unique_ptr<BertLayer>> layers;  // keys encoder.layer.N.*
  std::unique_ptr<BertPooler> pooler;
};

// The inputs every encoder model checks the same way: input_ids [B, S] integer, the
// optional attention_mask / token_type_ids of the same shape, S within the position table.
void check_encoder_inputs(const ModelInputs& in, int64_t max_positions, const std::string& model);

}  // namespace cuddle::models
