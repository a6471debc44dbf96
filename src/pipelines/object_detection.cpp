// object-detection: DETR-style set prediction. Per query, the softmax over the classes
// with the last ("no object") class left out gives the best label and its score; queries
// scoring above `threshold` are kept in query order, their boxes turned from normalised
// (center x, center y, width, height) into corners on the original image, computed in
// float32 and truncated to integer pixels as transformers' post_process_object_detection
// and box.int() do.
#include "pipelines/common.h"
#include "pipelines/image_inputs.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class ObjectDetection : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;
  bool takes_images() const override { return true; }

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const ModelConfig& cfg = model().config();
    auto rows = forward_images(model(), image_processor(), inputs, o.batch_size,
                               {output_named("logits"), output_named("pred_boxes")});
    PipelineOutput out = PipelineOutput::array();
    for (const auto& row : rows) {
      const Tensor& logits = row.outputs[0];  // [queries, labels + 1]
      const Tensor& boxes = row.outputs[1];   // [queries, 4]
      const int64_t queries = logits.size(0);
      const auto classes = static_cast<size_t>(logits.size(1));
      const auto w = static_cast<float>(row.width), h = static_cast<float>(row.height);
      PipelineOutput found = PipelineOutput::array();
      for (int64_t q = 0; q < queries; ++q) {
        std::vector<float> probs = softmax(logits.data<float>() + q * logits.size(1), classes);
        const size_t label = argmax(probs.data(), classes - 1);
        const float score = probs[label];
        if (!(score > o.threshold)) continue;
        const float* b = boxes.data<float>() + q * 4;
        const float cx = b[0], cy = b[1], bw = b[2], bh = b[3];
        // (float) -> int truncates toward zero, as torch's .int().
        PipelineOutput box = {{"xmin", static_cast<int>((cx - 0.5f * bw) * w)},
                              {"ymin", static_cast<int>((cy - 0.5f * bh) * h)},
                              {"xmax", static_cast<int>((cx + 0.5f * bw) * w)},
                              {"ymax", static_cast<int>((cy + 0.5f * bh) * h)}};
        found.push_back({{"score", score}, {"label", label_name(cfg, static_cast<int64_t>(label))}, {"box", box}});
      }
      out.push_back(std::move(found));
    }
    return out;
  }
};

}  // namespace

TaskPtr make_object_detection(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p, const PipelineOptions& o) {
  return std::make_shared<ObjectDetection>("object-detection", std::move(m), std::move(t), o, std::move(p));
}

}  // namespace cuddle::pipelines
