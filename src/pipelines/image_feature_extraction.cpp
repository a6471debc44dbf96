// image-feature-extraction: the model's last_hidden_state per image as nested lists with a
// batch axis of one ([1, tokens, hidden] for ViT, [1, C, h, w] for ResNet), as transformers
// returns it; pool=true returns pooler_output instead.
#include "pipelines/common.h"
#include "pipelines/image_inputs.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class ImageFeatureExtraction : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;
  bool takes_images() const override { return true; }

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const char* name = o.pool ? "pooler_output" : "last_hidden_state";
    auto rows = forward_images(model(), image_processor(), inputs, o.batch_size, {output_named(name)});
    PipelineOutput out = PipelineOutput::array();
    for (const auto& row : rows) {
      const Tensor& t = row.outputs[0];
      PipelineOutput one = PipelineOutput::array();
      one.push_back(to_nested(t.data<float>(), t.shape()));
      out.push_back(std::move(one));
    }
    return out;
  }
};

}  // namespace

TaskPtr make_image_feature_extraction(ModelPtr m, TokenizerPtr t, ImageProcessorPtr p, const PipelineOptions& o) {
  return std::make_shared<ImageFeatureExtraction>("image-feature-extraction", std::move(m), std::move(t), o,
                                                  std::move(p));
}

}  // namespace cuddle::pipelines
