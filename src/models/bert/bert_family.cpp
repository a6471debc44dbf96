#include "models/bert/bert_models.h"
#include "models/registry.h"

namespace cuddle::models {

ModelFamily bert_family() {
  return {
      {"bert"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> {
        return read_bert_config(r, 30522, 0, std::nullopt, std::nullopt);
      },
      create_bert,
      {{"BertModel", ModelTask::Base},
       {"BertForMaskedLM", ModelTask::MaskedLM},
       {"BertForSequenceClassification", ModelTask::SequenceClassification},
       {"BertForTokenClassification", ModelTask::TokenClassification},
       {"BertForQuestionAnswering", ModelTask::QuestionAnswering}},
  };
}

}  // namespace cuddle::models
