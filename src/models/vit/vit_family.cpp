#include "models/registry.h"
#include "models/vit/vit_models.h"

namespace cuddle::models {

ModelFamily vit_family() {
  return {
      {"vit"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> { return read_vit_config(r); },
      create_vit,
      {{"ViTModel", ModelTask::Base},
       {"ViTForImageClassification", ModelTask::ImageClassification}},
  };
}

}  // namespace cuddle::models
