// ViTConfig with transformers' defaults (configuration_vit.py: google/vit-base-patch16-224).
#pragma once
#include <memory>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"

namespace cuddle::models {

struct ViTConfig : ModelConfig {
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";
  Activation activation = Activation::Gelu;
  double hidden_dropout_prob = 0.0;
  double attention_probs_dropout_prob = 0.0;
  double layer_norm_eps = 1e-12;
  int64_t image_size = 224;
  int64_t patch_size = 16;
  int64_t num_channels = 3;
  bool qkv_bias = true;
  int64_t encoder_stride = 16;  // ViTForMaskedImageModeling's decoder only
  int64_t pooler_output_size = 768;  // None in the file = hidden_size
  std::string pooler_act = "tanh";
  Activation pooler_activation = Activation::Tanh;
};

std::shared_ptr<ViTConfig> read_vit_config(const ConfigReader& r);

}  // namespace cuddle::models
