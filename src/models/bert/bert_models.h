// BERT-family models with their task heads. RoBERTa and XLM-RoBERTa share the base model,
// token-classification and question-answering classes (same module tree under their own
// prefix); their masked-LM and sequence-classification heads differ (src/models/roberta).
#pragma once
#include <memory>
#include <string>

#include "cuddle/models.h"
#include "models/bert/bert_encoder.h"

namespace cuddle::models {

// What distinguishes BERT, RoBERTa and XLM-RoBERTa in the shared classes.
struct BertVariant {
  std::string class_prefix;  // "Bert", "Roberta", "XLMRoberta"
  std::string base_prefix;   // state-dict prefix of the base model inside head models
  std::string lm_head;       // prefix of the masked-LM head's keys: "cls." or "lm_head."
  PositionIds positions;
};

// A model whose base is a BertBackbone mounted under the variant's prefix (or at the top
// level for the bare base model).
class BertFamilyModel : public PreTrainedModel {
 protected:
  BertFamilyModel(std::shared_ptr<const ModelConfig> config, const BertVariant& v,
                  const std::string& class_suffix, ModelTask task, bool add_pooling_layer,
                  bool mount_at_top);
  const BertConfig& bert_config() const { return static_cast<const BertConfig&>(config()); }
  BertBackbone backbone_;
};

// XModel: last_hidden_state, pooler_output.
class BertBaseModel : public BertFamilyModel {
 public:
  BertBaseModel(std::shared_ptr<const ModelConfig> config, const BertVariant& v);
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override;

 protected:
  // Checkpoints of MLM / token-classification / QA models (and RoBERTa classifiers) have
  // no pooler; transformers would initialise one randomly, here it is left out and the
  // outputs have no pooler_output.
  void drop_absent_optional_parts(const std::set<std::string>& provided) override;
};

// XForTokenClassification: classifier over every token's hidden state.
class BertTokenClassification : public BertFamilyModel {
 public:
  BertTokenClassification(std::shared_ptr<const ModelConfig> config, const BertVariant& v);
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override;
  nn::Linear classifier;
};

// XForQuestionAnswering: qa_outputs gives start and end logits per token.
class BertQuestionAnswering : public BertFamilyModel {
 public:
  BertQuestionAnswering(std::shared_ptr<const ModelConfig> config, const BertVariant& v);
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override;
  nn::Linear qa_outputs;
};

// Splits [B, S, 2] span logits into start_logits / end_logits [B, S] (shared with DistilBERT).
void add_span_logits(ModelOutputs& out, const Tensor& logits);

std::unique_ptr<PreTrainedModel> create_bert(std::shared_ptr<const ModelConfig> config, ModelTask task);

}  // namespace cuddle::models
