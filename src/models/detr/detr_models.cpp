// DetrModel and DetrForObjectDetection (transformers' modeling_detr): ResNet backbone ->
// 1x1 input projection -> encoder over the flattened feature map with 2-D position
// embeddings -> decoder of learned object queries -> class and box heads.
#include <memory>
#include <vector>

#include "cuddle/ops.h"
#include "models/detr/detr_config.h"
#include "models/detr/detr_position.h"
#include "models/detr/detr_transformer.h"
#include "models/registry.h"
#include "models/resnet/resnet_backbone.h"

namespace cuddle::models {

namespace {

const DetrConfig& detr_config(const ModelConfig& c) { return static_cast<const DetrConfig&>(c); }

// Channels of the backbone's last output feature: index 0 is the stem.
int64_t feature_channels(const ResNetConfig& b) {
  const int64_t i = b.out_indices.back();
  return i == 0 ? b.embedding_size : b.hidden_sizes[i - 1];
}

struct DetrRun {
  std::vector<Tensor> encoder_hidden;  // projected features, then each encoder layer's output
  // The input of each decoder layer (zero queries first), then the last output after
  // decoder.layernorm, as transformers' decoder_hidden_states.
  std::vector<Tensor> decoder_hidden;
};

// DetrModel's module tree; DetrForObjectDetection mounts it under "model".
class DetrBody : public nn::Module {
 public:
  explicit DetrBody(const DetrConfig& c)
      : config_(c),
        trunk_(*c.backbone),
        input_projection_(feature_channels(*c.backbone), c.d_model, {1, 1}),
        query_position_embeddings_(c.num_queries, c.d_model),
        decoder_norm_(c.d_model, 1e-5f) {
    register_module("backbone.conv_encoder.model", trunk_);
    if (c.learned_positions) {
      learned_ = std::make_unique<DetrLearnedPositionEmbedding>(c.d_model);
      register_module("backbone.position_embedding", *learned_);
    }
    register_module("input_projection", input_projection_);
    register_module("query_position_embeddings", query_position_embeddings_);
    for (int64_t i = 0; i < c.encoder_layers; ++i) {
      encoder_.push_back(std::make_unique<DetrEncoderLayer>(c));
      register_module("encoder.layers." + std::to_string(i), *encoder_.back());
    }
    for (int64_t i = 0; i < c.decoder_layers; ++i) {
      decoder_.push_back(std::make_unique<DetrDecoderLayer>(c));
      register_module("decoder.layers." + std::to_string(i), *decoder_.back());
    }
    register_module("decoder.layernorm", decoder_norm_);
  }

  DetrRun forward(const ModelInputs& in, const std::string& who) const {
    const Tensor& pixels = in.pixel_values;
    std::vector<Tensor> stages = trunk_.forward(pixels, who);
    const Tensor& features = stages[config_.backbone->out_indices.back()];
    const int64_t B = pixels.size(0), h = features.size(2), w = features.size(3);
    const Tensor mask = downsample_mask(pixel_mask(in, who), h, w);
    const Tensor pos = learned_ ? learned_->forward(B, h, w)
                                : sine_position_embedding(mask, config_.d_model);
    const Tensor flat_mask = mask.reshape({B, h * w});

    // [B, d, h, w] -> [B, h*w, d]: one token per feature-map cell, row-major.
    Tensor x = input_projection_.forward(features)
                   .reshape({B, config_.d_model, h * w})
                   .transpose(1, 2)
                   .contiguous();
    DetrRun r;
    r.encoder_hidden.push_back(x);
    for (const auto& layer : encoder_)
      r.encoder_hidden.push_back(layer->forward(r.encoder_hidden.back(), pos, flat_mask));
    const Tensor& memory = r.encoder_hidden.back();

    // The queries start at zero; their identity is the learned position embedding
    // ([Q, d], broadcast over the batch).
    const Tensor& query_pos = query_position_embeddings_.weight;
    Tensor q = Tensor::zeros({B, config_.num_queries, config_.d_model});
    for (const auto& layer : decoder_) {
      r.decoder_hidden.push_back(q);
      q = layer->forward(q, query_pos, memory, pos, flat_mask);
    }
    r.decoder_hidden.push_back(decoder_norm_.forward(q));
    return r;
  }

 private:
  // The mask as given, or all ones; [B, H, W] matching pixel_values.
  static Tensor pixel_mask(const ModelInputs& in, const std::string& who) {
    const Tensor& p = in.pixel_values;
    if (!in.pixel_mask.defined()) return Tensor::full({p.size(0), p.size(2), p.size(3)}, 1.0f);
    const Tensor& m = in.pixel_mask;
    if (m.shape() != Shape{p.size(0), p.size(2), p.size(3)})
      throw ShapeError(who + ": pixel_mask " + m.describe() + " must be [batch, height, width] of pixel_values " +
                       p.describe());
    return m;
  }

  const DetrConfig& config_;
  ResNetTrunk trunk_;
  std::unique_ptr<DetrLearnedPositionEmbedding> learned_;
  nn::Conv2d input_projection_;
  nn::Embedding query_position_embeddings_;
  std::vector<std::unique_ptr<DetrEncoderLayer>> encoder_;
  std::vector<std::unique_ptr<DetrDecoderLayer>> decoder_;
  nn::LayerNorm decoder_norm_;
};

void add_hidden_state_lists(ModelOutputs& out, const DetrRun& r) {
  for (size_t i = 0; i < r.decoder_hidden.size(); ++i)
    out.tensors.emplace_back("decoder_hidden_states." + std::to_string(i), r.decoder_hidden[i]);
  for (size_t i = 0; i < r.encoder_hidden.size(); ++i)
    out.tensors.emplace_back("encoder_hidden_states." + std::to_string(i), r.encoder_hidden[i]);
}

class DetrFamilyModel : public PreTrainedModel {
 protected:
  DetrFamilyModel(std::shared_ptr<const ModelConfig> config, const std::string& class_name,
                  ModelTask task, bool mount_at_top)
      : PreTrainedModel(config, class_name, task, "model"), body_(detr_config(*config)) {
    register_module(mount_at_top ? "" : "model", body_);
    other_head_prefixes_ = {"class_labels_classifier.", "bbox_predictor."};
  }
  DetrBody body_;
};

// last_hidden_state [B, Q, d], encoder_last_hidden_state [B, h*w, d].
class DetrModel : public DetrFamilyModel {
 public:
  explicit DetrModel(std::shared_ptr<const ModelConfig> config)
      : DetrFamilyModel(config, "DetrModel", ModelTask::Base, true) {}
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    const DetrRun r = body_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("last_hidden_state", r.decoder_hidden.back());
    out.tensors.emplace_back("encoder_last_hidden_state", r.encoder_hidden.back());
    if (output_hidden_states) add_hidden_state_lists(out, r);
    return out;
  }
};

// class_labels_classifier: num_labels + 1 logits (the last is "no object");
// bbox_predictor: 3-layer MLP (relu, relu, sigmoid) giving normalised (cx, cy, w, h).
class DetrForObjectDetection : public DetrFamilyModel {
 public:
  explicit DetrForObjectDetection(std::shared_ptr<const ModelConfig> config)
      : DetrFamilyModel(config, "DetrForObjectDetection", ModelTask::ObjectDetection, false),
        classifier_(detr_config(*config).d_model, config->num_labels + 1) {
    const int64_t d = detr_config(*config).d_model;
    register_module("class_labels_classifier", classifier_);
    for (int64_t i = 0; i < 3; ++i) {
      bbox_.push_back(std::make_unique<nn::Linear>(d, i == 2 ? 4 : d));
      register_module("bbox_predictor.layers." + std::to_string(i), *bbox_.back());
    }
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    const DetrRun r = body_.forward(in, class_name());
    const Tensor& last = r.decoder_hidden.back();
    ModelOutputs out;
    out.tensors.emplace_back("logits", classifier_.forward(last));
    Tensor box = bbox_[0]->forward(last, Activation::Relu);
    box = bbox_[1]->forward(box, Activation::Relu);
    out.tensors.emplace_back("pred_boxes", bbox_[2]->forward(box, Activation::Sigmoid));
    out.tensors.emplace_back("last_hidden_state", last);
    out.tensors.emplace_back("encoder_last_hidden_state", r.encoder_hidden.back());
    if (output_hidden_states) add_hidden_state_lists(out, r);
    return out;
  }

 private:
  nn::Linear classifier_;
  std::vector<std::unique_ptr<nn::Linear>> bbox_;
};

std::unique_ptr<PreTrainedModel> create_detr(std::shared_ptr<const ModelConfig> config,
                                             ModelTask task) {
  switch (task) {
    case ModelTask::Base: return std::make_unique<DetrModel>(config);
    case ModelTask::ObjectDetection: return std::make_unique<DetrForObjectDetection>(config);
    default: return nullptr;  // load_model names the missing head
  }
}

}  // namespace

ModelFamily detr_family() {
  return {
      {"detr"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> { return read_detr_config(r); },
      create_detr,
      {{"DetrModel", ModelTask::Base}, {"DetrForObjectDetection", ModelTask::ObjectDetection}},
  };
}

}  // namespace cuddle::models
