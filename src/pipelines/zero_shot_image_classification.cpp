// zero-shot-image-classification: a CLIP-style model scores each image against the
// candidate labels, each filled into hypothesis_template (default "This is a photo of
// {}."). Scores are the softmax of logits_per_image over the labels, returned from the
// highest down (equal scores in label order, as Python's sorted); top_k keeps the first k.
#include "pipelines/common.h"
#include "pipelines/image_inputs.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class ZeroShotImageClassification : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;
  bool takes_images() const override { return true; }

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const auto& labels = o.candidate_labels;
    if (labels.empty()) throw Error("zero-shot-image-classification needs candidate labels (candidate_labels)");
    const std::string tpl = o.hypothesis_template.value_or("This is a photo of {}.");
    std::vector<std::string> prompts;
    for (const auto& l : labels) prompts.push_back(format_hypothesis(tpl, l));
    TruncationParams trunc;
    trunc.max_length = max_input_length(model(), tokenizer());
    const std::vector<Encoding> encodings = encode_texts(tokenizer(), prompts, trunc);
    std::vector<const Encoding*> batch;
    for (const auto& e : encodings) batch.push_back(&e);
    // Every image batch is scored against all prompts, padded together (padding=True).
    const ModelInputs text = to_model_inputs(tokenizer(), batch);
    auto rows = forward_images(model(), image_processor(), inputs, o.batch_size,
                               {output_named("logits_per_image")}, text);
    PipelineOutput out = PipelineOutput::array();
    for (const auto& row : rows) {
      const Tensor& logits = row.outputs[0];
      std::vector<float> scores = softmax(logits.data<float>(), static_cast<size_t>(logits.numel()));
      const int top_k = o.top_k.value_or(0);
      const size_t keep = top_k <= 0 ? scores.size() : std::min(scores.size(), static_cast<size_t>(top_k));
      PipelineOutput ranked = PipelineOutput::array();
      for (size_t i : order_descending(scores, keep)) ranked.push_back({{"score", scores[i]}, {"label", labels[i]}});
      out.push_back(std::move(ranked));
    }
    return out;
  }
};

}  // namespace

TaskPtr make_zero_shot_image_classification(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p,
                                            const PipelineOptions& o) {
  if (o.hypothesis_template) format_hypothesis(*o.hypothesis_template, "x");  // rejects a bad template up front
  return std::make_shared<ZeroShotImageClassification>("zero-shot-image-classification", std::move(m), std::move(t),
                                                       o, std::move(p));
}

}  // namespace cuddle::pipelines
