// ResNetConfig with transformers' defaults (ResNet-50: embedding 64, hidden sizes 256 / 512 /
// 1024 / 2048, depths 3 / 4 / 6 / 3, bottleneck layers, relu). Also read as DETR's nested
// backbone_config.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"

namespace cuddle::models {

struct ResNetConfig : ModelConfig {
  int64_t num_channels = 3;
  int64_t embedding_size = 64;
  std::vector<int64_t> hidden_sizes{256, 512, 1024, 2048};
  std::vector<int64_t> depths{3, 4, 6, 3};
  bool bottleneck = true;  // layer_type "bottleneck"; false: "basic"
  std::string hidden_act = "relu";
  Activation activation = Activation::Relu;
  bool downsample_in_first_stage = false;
  bool downsample_in_bottleneck = false;
  // Backbone use: stage_names are "stem", "stage1" .. "stageN"; out_indices index them
  // (resolved from out_features / out_indices as transformers aligns them; default: the
  // last stage).
  std::vector<std::string> stage_names;
  std::vector<int64_t> out_indices;
};

// Reads a ResNet config; errors name r.path() and the key.
std::shared_ptr<ResNetConfig> read_resnet_config(const ConfigReader& r);

}  // namespace cuddle::models
