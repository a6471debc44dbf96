// ResNetModel and ResNetForImageClassification (transformers' modeling_resnet).
#include "cuddle/ops.h"
#include "models/registry.h"
#include "models/resnet/resnet_backbone.h"

namespace cuddle::models {

namespace {

const ResNetConfig& resnet_config(const ModelConfig& c) { return static_cast<const ResNetConfig&>(c); }

// The trunk under `resnet.` (or at the top level for the bare model), its pooler being
// a global average pool.
class ResNetFamilyModel : public PreTrainedModel {
 protected:
  ResNetFamilyModel(std::shared_ptr<const ModelConfig> config, const std::string& class_name,
                    ModelTask task, bool mount_at_top)
      : PreTrainedModel(config, class_name, task, "resnet"), trunk_(resnet_config(*config)) {
    register_module(mount_at_top ? "" : "resnet", trunk_);
    other_head_prefixes_ = {"classifier."};
  }
  ResNetTrunk trunk_;
};

// last_hidden_state [B, C, h, w], pooler_output [B, C, 1, 1].
class ResNetModel : public ResNetFamilyModel {
 public:
  explicit ResNetModel(std::shared_ptr<const ModelConfig> config)
      : ResNetFamilyModel(config, "ResNetModel", ModelTask::Base, true) {}
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hidden = trunk_.forward(in.pixel_values, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("last_hidden_state", hidden.back());
    out.tensors.emplace_back("pooler_output", ops::adaptive_avg_pool2d(hidden.back(), {1, 1}));
    if (output_hidden_states) out.add_hidden_states(hidden);
    return out;
  }
};

// Pooled features, flattened, through classifier.1 (classifier.0 is the Flatten); with
// num_labels 0 the classifier is the identity, as in transformers.
class ResNetForImageClassification : public ResNetFamilyModel {
 public:
  explicit ResNetForImageClassification(std::shared_ptr<const ModelConfig> config)
      : ResNetFamilyModel(config, "ResNetForImageClassification", ModelTask::ImageClassification,
                          false) {
    if (config->num_labels > 0) {
      classifier_ = std::make_unique<nn::Linear>(resnet_config(*config).hidden_sizes.back(),
                                                 config->num_labels);
      register_module("classifier.1", *classifier_);
    }
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hidden = trunk_.forward(in.pixel_values, class_name());
    Tensor pooled = ops::adaptive_avg_pool2d(hidden.back(), {1, 1});
    pooled = pooled.reshape({pooled.size(0), pooled.size(1)});
    ModelOutputs out;
    out.tensors.emplace_back("logits", classifier_ ? classifier_->forward(pooled) : pooled);
    if (output_hidden_states) out.add_hidden_states(hidden);
    return out;
  }

 private:
  std::unique_ptr<nn::Linear> classifier_;
};

std::unique_ptr<PreTrainedModel> create_resnet(std::shared_ptr<const ModelConfig> config,
                                               ModelTask task) {
  switch (task) {
    case ModelTask::Base: return std::make_unique<ResNetModel>(config);
    case ModelTask::ImageClassification:
      return std::make_unique<ResNetForImageClassification>(config);
    default: return nullptr;  // load_model names the missing head
  }
}

}  // namespace

ModelFamily resnet_family() {
  return {
      {"resnet"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> { return read_resnet_config(r); },
      create_resnet,
      {{"ResNetModel", ModelTask::Base},
       {"ResNetForImageClassification", ModelTask::ImageClassification}},
  };
}

}  // namespace cuddle::models
