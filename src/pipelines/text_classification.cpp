// text-classification: one label distribution per text. The score function follows
// transformers: sigmoid for multi-label problems or a single output, softmax otherwise,
// unless function_to_apply names one. Without top_k only the best label is returned (a
// dict); with top_k a list sorted by score (top_k <= 0: every label).
#include "pipelines/common.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class TextClassification : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const ModelConfig& cfg = model().config();
    ScoreFunction fn = score_function(cfg, o.function_to_apply);
    const EncodedTexts encoded = encode_inputs(model(), tokenizer(), inputs);
    const std::vector<Encoding>& encodings = encoded.encodings;
    auto rows = forward_rows(model(), tokenizer(), encodings, o.batch_size, {output_named("logits")},
                             [](const Tensor&) { return false; });
    PipelineOutput out = PipelineOutput::array();
    for (const auto& row : rows) {
      const Tensor& logits = row[0];
      const float* x = logits.data<float>();
      auto n = static_cast<size_t>(logits.numel());
      std::vector<float> scores = apply_score_function(fn, x, n);
      if (!o.top_k) {
        size_t best = argmax(scores.data(), n);
        out.push_back({{"label", label_name(cfg, static_cast<int64_t>(best))}, {"score", scores[best]}});
        continue;
      }
      PipelineOutput labels = PipelineOutput::array();
      size_t keep = *o.top_k <= 0 ? n : std::min<size_t>(n, static_cast<size_t>(*o.top_k));
      for (size_t i : order_descending(scores, keep))
        labels.push_back({{"label", label_name(cfg, static_cast<int64_t>(i))}, {"score", scores[i]}});
      out.push_back(std::move(labels));
    }
    return out;
  }
};

}  // namespace

TaskPtr make_text_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  score_function(m->config(), o.function_to_apply);  // rejects a bad function_to_apply up front
  return std::make_shared<TextClassification>("text-classification", std::move(m), std::move(t), o);
}

}  // namespace cuddle::pipelines
