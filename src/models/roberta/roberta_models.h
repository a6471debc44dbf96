// RoBERTa-style models (RoBERTa, XLM-RoBERTa): the BERT encoder with padding-aware position
// ids, plus the two heads that differ from BERT's.
#pragma once
#include <memory>

#include "models/bert/bert_models.h"

namespace cuddle::models {

std::unique_ptr<PreTrainedModel> create_roberta_style(std::shared_ptr<const ModelConfig> config,
                                                      ModelTask task, const BertVariant& variant);

}  // namespace cuddle::models
