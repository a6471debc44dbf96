// image-classification: one label distribution per image, scored as text-classification
// scores (sigmoid for multi-label problems or a single output, softmax otherwise, unless
// function_to_apply names one). Returns the top_k labels (default 5, at most num_labels)
// from the highest score down, equal scores in label order (transformers' stable sort).
#include "pipelines/common.h"
#include "pipelines/image_inputs.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class ImageClassification : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;
  bool takes_images() const override { return true; }

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const ModelConfig& cfg = model().config();
    const ScoreFunction fn = score_function(cfg, o.function_to_apply);
    auto rows = forward_images(model(), image_processor(), inputs, o.batch_size, {output_named("logits")});
    PipelineOutput out = PipelineOutput::array();
    for (const auto& row : rows) {
      const Tensor& logits = row.outputs[0];
      const auto n = static_cast<size_t>(logits.numel());
      std::vector<float> scores = apply_score_function(fn, logits.data<float>(), n);
      const int top_k = o.top_k.value_or(5);
      const size_t keep = top_k <= 0 ? n : std::min<size_t>(n, static_cast<size_t>(top_k));
      PipelineOutput labels = PipelineOutput::array();
      for (size_t i : order_descending(scores, keep))
        labels.push_back({{"label", label_name(cfg, static_cast<int64_t>(i))}, {"score", scores[i]}});
      out.push_back(std::move(labels));
    }
    return out;
  }
};

}  // namespace

TaskPtr make_image_classification(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p, const PipelineOptions& o) {
  score_function(m->config(), o.function_to_apply);  // rejects a bad function_to_apply up front
  return std::make_shared<ImageClassification>("image-classification", std::move(m), std::move(t), o, std::move(p));
}

}  // namespace cuddle::pipelines
