// BertConfig, shared by BERT, RoBERTa and XLM-RoBERTa (transformers' RobertaConfig and
// XLMRobertaConfig have BertConfig's fields; only some defaults differ).
#pragma once
#include <memory>
#include <optional>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"

namespace cuddle::models {

struct BertConfig : ModelConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";
  Activation activation = Activation::Gelu;
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  std::optional<double> classifier_dropout;
};

// Reads a BERT-style config. `vocab_size` and `pad_token_id` defaults differ per class:
// BertConfig 30522 / 0, RobertaConfig 50265 / 1 (bos 0, eos 2), XLMRobertaConfig 30522 / 1
// (bos 0, eos 2).
std::shared_ptr<BertConfig> read_bert_config(const ConfigReader& r, int64_t default_vocab,
                                             int64_t default_pad, std::optional<int64_t> bos,
                                             std::optional<int64_t> eos);

}  // namespace cuddle::models
