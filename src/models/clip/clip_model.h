// CLIPModel (transformers' modeling_clip): text and vision towers, their projections
// (no bias) and the learned logit scale. forward gives logits_per_image [Bi, Bt],
// logits_per_text [Bt, Bi], text_embeds and image_embeds (L2-normalised), and each tower's
// last_hidden_state / pooler_output as text_model_output.* / vision_model_output.*.
#pragma once
#include <memory>

#include "cuddle/models.h"
#include "models/clip/clip_towers.h"

namespace cuddle::models {

class CLIPModel : public PreTrainedModel, public TextImageEmbedder {
 public:
  CLIPModel(std::shared_ptr<const ModelConfig> config, ModelTask task);
  // Needs input_ids (attention_mask optional) and pixel_values together, as transformers;
  // get_text_features / get_image_features embed one side alone.
  ModelOutputs forward(const ModelInputs& inputs, bool output_hidden_states = true) const override;
  Tensor get_text_features(const ModelInputs& inputs) const override;
  Tensor get_image_features(const ModelInputs& inputs) const override;

  CLIPTextTransformer text_model;
  CLIPVisionTransformer vision_model;
  nn::Linear visual_projection, text_projection;
  Tensor logit_scale;  // [] (a scalar); logits are scaled by its exp()
};

std::unique_ptr<PreTrainedModel> create_clip(std::shared_ptr<const ModelConfig> config, ModelTask task);

}  // namespace cuddle::models
