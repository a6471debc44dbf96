// XLM-RoBERTa is RoBERTa's architecture under its own class names; its base model prefix
// stays "roberta", as in transformers.
#include "models/registry.h"
#include "models/roberta/roberta_models.h"

namespace cuddle::models {

ModelFamily xlm_roberta_family() {
  return {
      {"xlm-roberta"},
      // XLMRobertaConfig: vocab 30522, pad 1, bos 0, eos 2.
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> {
        return read_bert_config(r, 30522, 1, 0, 2);
      },
      [](std::shared_ptr<const ModelConfig> c, ModelTask task) {
        return create_roberta_style(c, task, {"XLMRoberta", "roberta", "lm_head.", PositionIds::FromPaddingIdx});
      },
      {{"XLMRobertaModel", ModelTask::Base},
       {"XLMRobertaForMaskedLM", ModelTask::MaskedLM},
       {"XLMRobertaForSequenceClassification", ModelTask::SequenceClassification},
       {"XLMRobertaForTokenClassification", ModelTask::TokenClassification},
       {"XLMRobertaForQuestionAnswering", ModelTask::QuestionAnswering}},
  };
}

}  // namespace cuddle::models
