#include "models/clip/clip_model.h"

#include <cmath>

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {

const CLIPConfig& clip_config(const ModelConfig& c) { return static_cast<const CLIPConfig&>(c); }

// Each row of x [B, D] divided by its L2 norm, as transformers' _get_vector_norm
// (sum of squares, then the square root) in f32.
Tensor l2_normalize_rows(const Tensor& x_in) {
  const Tensor x = x_in.contiguous();
  const int64_t B = x.size(0), D = x.size(1);
  Tensor out = Tensor::empty({B, D});
  for (int64_t b = 0; b < B; ++b) {
    const float* row = x.data<float>() + b * D;
    float sum = 0;
    for (int64_t i = 0; i < D; ++i) sum += row[i] * row[i];
    const float norm = std::sqrt(sum);
    for (int64_t i = 0; i < D; ++i) out.data<float>()[b * D + i] = row[i] / norm;
  }
  return out;
}

}  // namespace

CLIPModel::CLIPModel(std::shared_ptr<const ModelConfig> config, ModelTask task)
    : PreTrainedModel(config, "CLIPModel", task, "clip"),
      text_model(clip_config(*config).text),
      vision_model(clip_config(*config).vision),
      visual_projection(clip_config(*config).vision.hidden_size, clip_config(*config).projection_dim,
                        /*bias=*/false),
      text_projection(clip_config(*config).text.hidden_size, clip_config(*config).projection_dim,
                      /*bias=*/false) {
  register_module("text_model", text_model);
  register_module("vision_model", vision_model);
  register_module("visual_projection", visual_projection);
  register_module("text_projection", text_projection);
  register_parameter("logit_scale", logit_scale, {});
}

Tensor CLIPModel::get_text_features(const ModelInputs& in) const {
  const TowerOutput text = text_model.forward(in.input_ids, in.attention_mask, class_name());
  return text_projection.forward(text.pooled);
}

Tensor CLIPModel::get_image_features(const ModelInputs& in) const {
  return visual_projection.forward(vision_model.forward(in, class_name()).pooled);
}

ModelOutputs CLIPModel::forward(const ModelInputs& in, bool /*output_hidden_states*/) const {
  if (!in.input_ids.defined() || !in.pixel_values.defined())
    throw ShapeError(class_name() + ": forward needs both input_ids and pixel_values (" +
                     std::string(in.input_ids.defined() ? "pixel_values" : "input_ids") +
                     " missing); get_text_features / get_image_features embed one side");
  const TowerOutput vision = vision_model.forward(in, class_name());
  const TowerOutput text = text_model.forward(in.input_ids, in.attention_mask, class_name());
  const Tensor image_embeds = l2_normalize_rows(visual_projection.forward(vision.pooled));
  const Tensor text_embeds = l2_normalize_rows(text_projection.forward(text.pooled));
  // transformers: (text_embeds @ image_embeds.T) * logit_scale.exp().
  const float scale = std::exp(logit_scale.to(DType::F32).data<float>()[0]);
  Tensor logits_per_text = ops::matmul(text_embeds, image_embeds.transpose(0, 1).contiguous());
  for (int64_t i = 0; i < logits_per_text.numel(); ++i) logits_per_text.data<float>()[i] *= scale;

  ModelOutputs out;
  out.tensors.emplace_back("logits_per_image", logits_per_text.transpose(0, 1).contiguous());
  out.tensors.emplace_back("logits_per_text", logits_per_text);
  out.tensors.emplace_back("text_embeds", text_embeds);
  out.tensors.emplace_back("image_embeds", image_embeds);
  out.tensors.emplace_back("text_model_output.last_hidden_state", text.last_hidden_state);
  out.tensors.emplace_back("text_model_output.pooler_output", text.pooled);
  out.tensors.emplace_back("vision_model_output.last_hidden_state", vision.last_hidden_state);
  out.tensors.emplace_back("vision_model_output.pooler_output", vision.pooled);
  return out;
}

std::unique_ptr<PreTrainedModel> create_clip(std::shared_ptr<const ModelConfig> config, ModelTask task) {
  // AutoModel and AutoModelForZeroShotImageClassification both map clip to CLIPModel.
  if (task == ModelTask::Base || task == ModelTask::ZeroShotImageClassification)
    return std::make_unique<CLIPModel>(config, task);
  return nullptr;
}

}  // namespace cuddle::models
