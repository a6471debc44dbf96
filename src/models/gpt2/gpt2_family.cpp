#include "models/gpt2/gpt2_model.h"
#include "models/registry.h"

namespace cuddle::models {

ModelFamily gpt2_family() {
  return {
      {"gpt2"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> { return read_gpt2_config(r); },
      create_gpt2,
      {{"GPT2LMHeadModel", ModelTask::CausalLM}},
  };
}

}  // namespace cuddle::models
