// The model registry: which families exist, which model_type strings and architecture
// names each answers to, how each parses its config and builds its models. Families are
// listed explicitly in registry.cpp (static self-registration would be dropped by the
// linker from a static library).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/config.h"
#include "cuddle/models.h"
#include "models/config_json.h"

namespace cuddle::models {

struct ModelFamily {
  std::vector<std::string> model_types;
  // Returns the family's config with its own fields read; common fields are filled after.
  std::shared_ptr<ModelConfig> (*parse_config)(const ConfigReader& reader);
  std::unique_ptr<PreTrainedModel> (*create)(std::shared_ptr<const ModelConfig> config,
                                             ModelTask task);
  std::vector<std::pair<std::string, ModelTask>> architectures;
};

const std::vector<ModelFamily>& model_families();
// Throws FormatError naming `path`, the model_type and the supported ones.
const ModelFamily& family_for(const std::string& model_type, const std::string& path);

// The families (one file each, under src/models/<family>/).
ModelFamily bert_family();
ModelFamily roberta_family();
ModelFamily xlm_roberta_family();
ModelFamily distilbert_family();
ModelFamily resnet_family();
ModelFamily detr_family();
ModelFamily vit_family();
ModelFamily clip_family();
ModelFamily gpt2_family();
ModelFamily llama_family();

}  // namespace cuddle::models
