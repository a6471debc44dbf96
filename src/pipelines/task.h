// What every pipeline task shares: the loaded model, its tokenizer and / or image
// processor, the options given at construction, and the run method each task file
// implements (preprocess -> forward -> postprocess with transformers' semantics).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cuddle/pipeline.h"

namespace cuddle {

class PipelineTask {
 public:
  PipelineTask(std::string name, std::shared_ptr<const PreTrainedModel> model,
               std::shared_ptr<const AutoTokenizer> tokenizer, PipelineOptions options,
               std::shared_ptr<const ImageProcessor> image_processor = nullptr)
      : name_(std::move(name)), model_(std::move(model)), tokenizer_(std::move(tokenizer)),
        image_processor_(std::move(image_processor)), options_(std::move(options)) {}
  virtual ~PipelineTask() = default;

  // One result per input, shaped like transformers' return value for a list of inputs.
  virtual PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& options) const = 0;

  const std::string& name() const { return name_; }
  const PreTrainedModel& model() const { return *model_; }
  // Throw Error when the task was built without one.
  const AutoTokenizer& tokenizer() const;
  const ImageProcessor& image_processor() const;
  const PipelineOptions& options() const { return options_; }
  // Image tasks take image inputs (paths or decoded images), the others texts.
  virtual bool takes_images() const { return false; }

 private:
  std::string name_;
  std::shared_ptr<const PreTrainedModel> model_;
  std::shared_ptr<const AutoTokenizer> tokenizer_;
  std::shared_ptr<const ImageProcessor> image_processor_;
  PipelineOptions options_;
};

namespace pipelines {

using TaskPtr = std::shared_ptr<const PipelineTask>;
using ModelPtr = std::shared_ptr<const PreTrainedModel>;
using TokenizerPtr = std::shared_ptr<const AutoTokenizer>;
using ImageProcessorPtr = std::shared_ptr<const ImageProcessor>;

// One factory per task file. Each checks what it needs from the model (labels, an
// entailment label, a mask token) and throws Error naming the config file otherwise.
TaskPtr make_text_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_token_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_fill_mask(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_question_answering(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_feature_extraction(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_zero_shot_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
TaskPtr make_text_generation(ModelPtr m, TokenizerPtr t, const PipelineOptions& o);
// Image tasks; the tokenizer is null except for zero-shot-image-classification.
TaskPtr make_image_classification(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p, const PipelineOptions& o);
TaskPtr make_zero_shot_image_classification(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p,
                                            const PipelineOptions& o);
TaskPtr make_object_detection(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p, const PipelineOptions& o);
TaskPtr make_image_feature_extraction(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p, const PipelineOptions& o);

}  // namespace pipelines
}  // namespace cuddle
