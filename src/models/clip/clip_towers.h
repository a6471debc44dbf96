// CLIP's two encoders (transformers' CLIPTextTransformer and CLIPVisionTransformer), named
// as the state dict under text_model.* and vision_model.*. Both stack the pre-norm layer
// shared with ViT (encoder.layers.N.{layer_norm1, self_attn.*, layer_norm2, mlp.*}).
#pragma once
#include <memory>
#include <vector>

#include "cuddle/models.h"
#include "models/clip/clip_config.h"
#include "models/pre_norm_encoder.h"
#include "models/vision_embeddings.h"

namespace cuddle::models {

// encoder.layers.N of either tower.
class CLIPEncoder : public nn::Module {
 public:
  explicit CLIPEncoder(const CLIPTowerConfig& c);
  // The last layer's output; causal and attention_mask for the text tower.
  Tensor forward(const Tensor& x, const Tensor& attention_mask, bool causal) const;
  std::vector<std::unique_ptr<PreNormEncoderLayer>> layers;
};

struct TowerOutput {
  Tensor last_hidden_state;  // [B, S, D]
  Tensor pooled;             // [B, D]
};

// Token + position embeddings, causal encoder with the padding mask, final_layer_norm;
// pooled at the end-of-text token.
class CLIPTextTransformer : public nn::Module {
 public:
  explicit CLIPTextTransformer(const CLIPTextConfig& c);
  // input_ids [B, S] integer, attention_mask [B, S] or undefined; `model` names the caller
  // in input errors.
  TowerOutput forward(const Tensor& input_ids, const Tensor& attention_mask,
                      const std::string& model) const;
  nn::Embedding token_embedding, position_embedding;  // embeddings.*
  CLIPEncoder encoder;
  nn::LayerNorm final_layer_norm;

 private:
  const CLIPTextConfig& config_;
};

// Where the text tower pools, per sequence (transformers 5's rule): when every sequence's
// largest id is 49407 (OpenAI's end-of-text id, from configs written before
// eos_token_id was corrected) the position of the largest id; otherwise the first
// position holding eos_token_id (0 when there is none, as argmax of an all-zero row).
std::vector<int64_t> clip_pooling_positions(const Tensor& input_ids, int64_t eos_token_id);

// Class + patch + position embeddings, pre_layrnorm, encoder; post_layernorm on the class
// token gives the pooled output.
class CLIPVisionTransformer : public nn::Module {
 public:
  explicit CLIPVisionTransformer(const CLIPVisionConfig& c);
  // pixel_values as ModelInputs carries them (interpolate_pos_encoding honoured).
  TowerOutput forward(const ModelInputs& inputs, const std::string& model) const;
  Tensor class_embedding;                // embeddings.class_embedding [D]
  PatchEmbedding patch_embedding;        // embeddings.patch_embedding (Conv2d, no bias)
  nn::Embedding position_embedding;      // embeddings.position_embedding [1 + g*g, D]
  nn::LayerNorm pre_layrnorm;            // sic, transformers' name
  CLIPEncoder encoder;
  nn::LayerNorm post_layernorm;

 private:
  const CLIPVisionConfig& config_;
};

}  // namespace cuddle::models
