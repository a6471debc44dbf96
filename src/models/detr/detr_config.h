// DetrConfig with transformers' defaults (d_model 256, 6 + 6 layers of 8 heads, ffn 2048,
// 100 queries, relu, sine position embeddings) and the nested ResNet backbone_config.
#pragma once
#include <memory>
#include <string>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"
#include "models/resnet/resnet_config.h"

namespace cuddle::models {

struct DetrConfig : ModelConfig {
  int64_t d_model = 256;
  int64_t encoder_layers = 6, encoder_attention_heads = 8, encoder_ffn_dim = 2048;
  int64_t decoder_layers = 6, decoder_attention_heads = 8, decoder_ffn_dim = 2048;
  int64_t num_queries = 100;
  std::string activation_function = "relu";
  Activation activation = Activation::Relu;
  bool learned_positions = false;  // position_embedding_type "learned"; default "sine"
  std::shared_ptr<const ResNetConfig> backbone;
};

// Reads a DETR config. Only a transformers ResNet backbone (backbone_config with model_type
// "resnet", use_timm_backbone false) without dilation is supported; anything else is a
// FormatError naming the file and the key.
std::shared_ptr<DetrConfig> read_detr_config(const ConfigReader& r);

}  // namespace cuddle::models
