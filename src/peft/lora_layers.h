// The LoRA layer of each module type peft adapts (one file each), for make_lora_layer.
#pragma once
#include <memory>
#include <string>

#include "models/gpt2/gpt2_model.h"
#include "peft/lora_layer.h"

namespace cuddle::peft {

std::shared_ptr<LoraLayer> make_lora_linear(nn::Linear& linear);
// GPT-2's Conv1D, weight [in, out]: peft's Linear with fan_in_fan_out (merge transposes).
std::shared_ptr<LoraLayer> make_lora_conv1d(models::Conv1D& conv);
std::shared_ptr<LoraLayer> make_lora_embedding(nn::Embedding& embedding);
std::shared_ptr<LoraLayer> make_lora_conv2d(nn::Conv2d& conv, const std::string& path);

// The class name of a module ("LayerNorm"), for messages.
std::string module_type_name(const nn::Module& module);

}  // namespace cuddle::peft
