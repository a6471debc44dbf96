// LoRA and QLoRA for every `cuddle train` flow (run_task.cpp, text_generation.cpp): the
// adapter configuration TRL's flags ask for, the base quantized first for QLoRA, and the
// adapter handed to the Trainer to train and save.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "cuddle/peft.h"
#include "cuddle/train_tasks.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

// The LoRA configuration of the run (--use_peft, or --adapter's own, trained further);
// nullopt for a full fine-tune. With --load_in_8bit / --load_in_4bit (or a folder saved
// quantized) the base's Linear layers are quantized here, before the adapter wraps them;
// quantization without an adapter is an Error (quantized weights cannot train).
std::optional<peft::LoraConfig> adapter_setup(PreTrainedModel& model, const TaskArguments& task, ModelTask mtask,
                                              const std::string& model_dir);

// The model wrapped as peft's get_peft_model (or PeftModel.from_pretrained of --adapter,
// trainable) and the Trainer told to train, save and reload the adapter.
std::shared_ptr<peft::PeftModel> attach_lora(std::shared_ptr<PreTrainedModel> model, const TaskArguments& task,
                                             const peft::LoraConfig& cfg, Trainer& trainer);

}  // namespace cuddle::training
