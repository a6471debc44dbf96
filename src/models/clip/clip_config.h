// CLIPConfig with its nested text_config / vision_config, with transformers' defaults
// (configuration_clip.py: openai/clip-vit-base-patch32).
#pragma once
#include <memory>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"

namespace cuddle::models {

// What both towers have (CLIPTextConfig and CLIPVisionConfig share these fields).
struct CLIPTowerConfig {
  int64_t hidden_size;
  int64_t intermediate_size;
  int64_t num_hidden_layers;
  int64_t num_attention_heads;
  std::string hidden_act = "quick_gelu";
  Activation activation = Activation::QuickGelu;
  double layer_norm_eps = 1e-5;
  double attention_dropout = 0.0;
};

struct CLIPTextConfig : CLIPTowerConfig {
  CLIPTextConfig() : CLIPTowerConfig{512, 2048, 12, 8} {}
  int64_t vocab_size = 49408;
  int64_t max_position_embeddings = 77;
  int64_t pad_token_id = 1;
  int64_t bos_token_id = 49406;
  int64_t eos_token_id = 49407;  // the pooled output is taken at this token
};

struct CLIPVisionConfig : CLIPTowerConfig {
  CLIPVisionConfig() : CLIPTowerConfig{768, 3072, 12, 12} {}
  int64_t image_size = 224;
  int64_t patch_size = 32;
  int64_t num_channels = 3;
};

struct CLIPConfig : ModelConfig {
  CLIPTextConfig text;
  CLIPVisionConfig vision;
  int64_t projection_dim = 512;
  double logit_scale_init_value = 2.6592;  // the checkpoint's logit_scale replaces it
};

std::shared_ptr<CLIPConfig> read_clip_config(const ConfigReader& r);

}  // namespace cuddle::models
