// transformers' data collators: rows of a tokenised dataset (input_ids, attention_mask,
// token_type_ids, label / labels columns) into a padded batch of model inputs.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "cuddle/trainer.h"

namespace cuddle::training {

struct PaddingOptions {
  int64_t pad_token_id = 0;
  int64_t pad_token_type_id = 0;
  std::optional<int64_t> pad_to_multiple_of;
  bool pad_left = false;  // tokenizer.padding_side == "left"
};

// DataCollatorWithPadding: pads every sequence column to the batch's longest (rounded up to
// pad_to_multiple_of); "label" / "labels" / "label_ids" become `labels` (int64 class ids, or
// f32 for float labels: regression and multi-label); start_positions / end_positions (a
// question-answering set) become the span targets. Columns other than the model's inputs
// and labels are ignored, as the Trainer removes them.
DataCollator data_collator_with_padding(const PaddingOptions& options);
// DataCollatorForTokenClassification: as above, and the per-token labels padded with -100.
DataCollator data_collator_for_token_classification(const PaddingOptions& options);
// default_data_collator: rows already of one length are stacked; a ragged column is an
// Error naming it (pad while tokenising, or use data_collator_with_padding).
DataCollator default_data_collator();
// DataCollatorForLanguageModeling with mlm: mlm_probability of the tokens that are not
// special (a row's special_tokens_mask column when the dataset has one, else the ids in
// `special_ids`; padding never) become targets; of those 80% are replaced by
// mask_token_id, 10% by a random id below vocab_size and 10% kept; labels are -100
// elsewhere. Draws from the seeded counter-based generator of cuddle/random.h (the same
// proportions as torch's bernoulli draws, not torch's bits). Without mlm (causal LM):
// labels = input_ids with padding as -100.
struct LanguageModelingOptions {
  bool mlm = true;
  double mlm_probability = 0.15;
  int64_t mask_token_id = 0;
  int64_t vocab_size = 0;
  std::vector<int64_t> special_ids;
  PaddingOptions padding;
};
DataCollator data_collator_for_language_modeling(const LanguageModelingOptions& options);

}  // namespace cuddle::training
