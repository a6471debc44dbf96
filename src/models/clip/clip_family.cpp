#include "models/clip/clip_config.h"
#include "models/clip/clip_model.h"
#include "models/registry.h"

namespace cuddle::models {

ModelFamily clip_family() {
  return {
      {"clip"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> { return read_clip_config(r); },
      create_clip,
      {{"CLIPModel", ModelTask::Base}},
  };
}

}  // namespace cuddle::models
