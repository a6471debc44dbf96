#include "models/registry.h"
#include "models/roberta/roberta_models.h"

namespace cuddle::models {

ModelFamily roberta_family() {
  return {
      {"roberta"},
      // RobertaConfig: vocab 50265, pad 1, bos 0, eos 2.
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> {
        return read_bert_config(r, 50265, 1, 0, 2);
      },
      [](std::shared_ptr<const ModelConfig> c, ModelTask task) {
        return create_roberta_style(c, task, {"Roberta", "roberta", "lm_head.", PositionIds::FromPaddingIdx});
      },
      {{"RobertaModel", ModelTask::Base},
       {"RobertaForMaskedLM", ModelTask::MaskedLM},
       {"RobertaForSequenceClassification", ModelTask::SequenceClassification},
       {"RobertaForTokenClassification", ModelTask::TokenClassification},
       {"RobertaForQuestionAnswering", ModelTask::QuestionAnswering}},
  };
}

}  // namespace cuddle::models
