// What every pipeline task shares: the loaded model and tokenizer, the options given at
// construction, and the run method each task file implements (preprocess -> forward ->
// postprocess with transformers' semantics).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cuddle/pipeline.h"

namespace cuddle {

class PipelineTask {
 public:
  PipelineTask(std::string name, std::shared_ptr<const PreTrainedModel> model,
               std::shared_ptr<const AutoTokenizer> tokenizer, PipelineOptions options)
      : name_(std::move(name)), model_(std::move(model)), tokenizer_(std::move(tokenizer)),
        options_(std::move(options)) {}
  virtual ~PipelineTask() = default;

  // One result per input, shaped like transformers' return value for a list of inputs.
  virtual PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& options) const = 0;

  const std::string& name() const { return name_; }
  const PreTrainedModel& model() const { return *model_; }
  const AutoTokenizer& tokenizer() const { return *tokenizer_; }
  const PipelineOptions& options() const { return options_; }

 private:
  std::string name_;
  std::shared_ptr<const PreTrainedModel> model_;
  std::shared_ptr<const AutoTokenizer> tokenizer_;
  PipelineOptions options_;
};

namespace pipelines {

using TaskPtr = std::shared_ptr<const PipelineTask>;
using ModelPtr = std::shared_ptr<const PreTrainedModel>;
using TokenizerPtr = std::shared_ptr<const AutoTokenizer>;

// One factory per task file. Each checks what it needs from the model (labels, an
// entailment label, a mask token) and throws Error naming the config file otherwise.
TaskPtr make_text_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_token_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_fill_mask(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_question_answering(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_feature_extraction(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_zero_shot_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);

}  // namespace pipelines
}  // namespace cuddle
