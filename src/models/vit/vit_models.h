// ViT (transformers' modeling_vit): patch + class + position embeddings, pre-norm encoder
// layers, a final layernorm, an optional pooler; ViTModel and ViTForImageClassification.
// State-dict names as transformers writes them (vit.embeddings.*, vit.encoder.layer.N.*,
// vit.layernorm.*, vit.pooler.dense.*, classifier.*).
#pragma once
#include <memory>
#include <vector>

#include "cuddle/models.h"
#include "models/pre_norm_encoder.h"
#include "models/vision_embeddings.h"
#include "models/vit/vit_config.h"

namespace cuddle::models {

class ViTEmbeddings : public nn::Module {
 public:
  explicit ViTEmbeddings(const ViTConfig& c);
  Tensor forward(const Tensor& pixel_values) const;
  Tensor cls_token, position_embeddings;  // [1, 1, D], [1, 1 + g*g, D]
  PatchEmbedding projection;              // patch_embeddings.projection (Conv2d with bias)
};

// dense + pooler_act on the first token (ViTPooler).
class ViTPooler : public nn::Module {
 public:
  explicit ViTPooler(const ViTConfig& c);
  Tensor forward(const Tensor& hidden) const;
  nn::Linear dense;

 private:
  Activation act_;
};

// ViTModel's body.
class ViTBackbone : public nn::Module {
 public:
  ViTBackbone(const ViTConfig& c, bool add_pooling_layer);
  struct Result {
    std::vector<Tensor> hidden_states;  // embeddings, then each layer (before layernorm)
    Tensor last_hidden_state;           // after the final layernorm
    Tensor pooled;                      // undefined without a pooler
  };
  // `model` names the calling class in input errors.
  Result forward(const ModelInputs& inputs, const std::string& model) const;
  void drop_pooler();

  ViTEmbeddings embeddings;
  std::vector<std::unique_ptr<PreNormEncoderLayer>> layers;  // encoder.layer.N.*
  nn::LayerNorm layernorm;
  std::unique_ptr<ViTPooler> pooler;

 private:
  const ViTConfig& config_;
};

std::unique_ptr<PreTrainedModel> create_vit(std::shared_ptr<const ModelConfig> config, ModelTask task);

}  // namespace cuddle::models
