#include "models/vit/vit_models.h"

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {
const PreNormLayerNames kViTLayerNames{
    "layernorm_before",       "attention.attention.query", "attention.attention.key",
    "attention.attention.value", "attention.output.dense",  "layernorm_after",
    "intermediate.dense",     "output.dense"};
}  // namespace

ViTEmbeddings::ViTEmbeddings(const ViTConfig& c)
    : projection(c.num_channels, c.hidden_size, c.patch_size, /*bias=*/true) {
  const int64_t grid = c.image_size / c.patch_size;
  register_parameter("cls_token", cls_token, {1, 1, c.hidden_size});
  register_parameter("position_embeddings", position_embeddings,
                     {1, 1 + grid * grid, c.hidden_size});
  register_module("patch_embeddings.projection", projection);
}

Tensor ViTEmbeddings::forward(const Tensor& pixel_values) const {
  return embed_patches(pixel_values, projection, cls_token, position_embeddings);
}

ViTPooler::ViTPooler(const ViTConfig& c)
    : dense(c.hidden_size, c.pooler_output_size), act_(c.pooler_activation) {
  register_module("dense", dense);
}

Tensor ViTPooler::forward(const Tensor& hidden) const {
  return dense.forward(hidden.select(1, 0), act_);
}

ViTBackbone::ViTBackbone(const ViTConfig& c, bool add_pooling_layer)
    : embeddings(c), layernorm(c.hidden_size, static_cast<float>(c.layer_norm_eps)), config_(c) {
  register_module("embeddings", embeddings);
  const PreNormLayerShape shape{c.hidden_size, c.intermediate_size, c.num_attention_heads,
                                c.activation, c.layer_norm_eps, c.qkv_bias};
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layers.push_back(std::make_unique<PreNormEncoderLayer>(shape, kViTLayerNames));
    register_module("encoder.layer." + std::to_string(i), *layers.back());
  }
  register_module("layernorm", layernorm);
  if (add_pooling_layer) {
    pooler = std::make_unique<ViTPooler>(c);
    register_module("pooler", *pooler);
  }
}

void ViTBackbone::drop_pooler() {
  unregister_module("pooler");
  pooler.reset();
}

ViTBackbone::Result ViTBackbone::forward(const ModelInputs& in, const std::string& model) const {
  check_pixel_values(in, config_.num_channels, config_.image_size, config_.patch_size, model);
  Result r;
  r.hidden_states.push_back(embeddings.forward(in.pixel_values));
  for (const auto& layer : layers) r.hidden_states.push_back(layer->forward(r.hidden_states.back()));
  r.last_hidden_state = layernorm.forward(r.hidden_states.back());
  if (pooler) r.pooled = pooler->forward(r.last_hidden_state);
  return r;
}

namespace {

class ViTFamilyModel : public PreTrainedModel {
 protected:
  ViTFamilyModel(std::shared_ptr<const ModelConfig> config, const std::string& name, ModelTask task,
                 bool add_pooling_layer, bool mount_at_top)
      : PreTrainedModel(config, name, task, "vit"),
        backbone_(static_cast<const ViTConfig&>(*config), add_pooling_layer) {
    register_module(mount_at_top ? "" : "vit", backbone_);
    // ViTForMaskedImageModeling's decoder is the family's other head.
    other_head_prefixes_ = {"vit.pooler.", "classifier.", "decoder."};
  }
  ViTBackbone backbone_;
};

// last_hidden_state, pooler_output (when the checkpoint has a pooler).
class ViTModel : public ViTFamilyModel {
 public:
  explicit ViTModel(std::shared_ptr<const ModelConfig> config)
      : ViTFamilyModel(config, "ViTModel", ModelTask::Base, /*add_pooling_layer=*/true, true) {}
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto r = backbone_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("last_hidden_state", r.last_hidden_state);
    if (r.pooled.defined()) out.tensors.emplace_back("pooler_output", r.pooled);
    if (output_hidden_states) out.add_hidden_states(r.hidden_states);
    return out;
  }

 protected:
  // Classifier checkpoints have no pooler (ViTForImageClassification is built without
  // one); as for BERT, the base model then runs without it instead of a random one.
  void drop_absent_optional_parts(const std::set<std::string>& provided) override {
    for (const auto& key : provided)
      if (key.starts_with("pooler.")) return;
    backbone_.drop_pooler();
  }
};

// classifier on the [CLS] token after the final layernorm; no pooler.
class ViTForImageClassification : public ViTFamilyModel {
 public:
  explicit ViTForImageClassification(std::shared_ptr<const ModelConfig> config)
      : ViTFamilyModel(config, "ViTForImageClassification", ModelTask::ImageClassification,
                       /*add_pooling_layer=*/false, false),
        classifier(static_cast<const ViTConfig&>(*config).hidden_size, config->num_labels) {
    register_module("classifier", classifier);
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto r = backbone_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("logits", classifier.forward(r.last_hidden_state.select(1, 0)));
    if (output_hidden_states) out.add_hidden_states(r.hidden_states);
    return out;
  }
  nn::Linear classifier;
};

}  // namespace

std::unique_ptr<PreTrainedModel> create_vit(std::shared_ptr<const ModelConfig> config, ModelTask task) {
  switch (task) {
    case ModelTask::Base: return std::make_unique<ViTModel>(config);
    case ModelTask::ImageClassification: return std::make_unique<ViTForImageClassification>(config);
    default: return nullptr;  // no such head in this family (load_model says so)
  }
}

}  // namespace cuddle::models
