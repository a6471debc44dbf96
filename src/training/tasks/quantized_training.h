// QLoRA through `cuddle train`: the base model's Linear layers quantized as bitsandbytes
// does (--load_in_8bit / --load_in_4bit, or a folder saved quantized), frozen, with LoRA
// adapters trained on top. Gradients reach the adapters through the quantized layers,
// whose weights are dequantized only inside each layer's backward (nn::Linear).
#pragma once
#include <optional>
#include <string>

#include "cuddle/models.h"
#include "cuddle/peft.h"
#include "cuddle/quant.h"
#include "cuddle/train_tasks.h"

namespace cuddle::training {

// The quantization the run asks for: the folder's own quantization_config when it was
// saved quantized (as transformers, the checkpoint's wins), else the --load_in_* flags;
// nullopt for a full-precision run. A config-only folder (training from scratch) cannot
// be quantized: an Error says so.
std::optional<quant::BitsAndBytesConfig> training_quantization(const TaskArguments& task,
                                                               const std::string& model_dir);

// Quantizes `model`'s Linear layers in place, keeping in full precision what transformers'
// default rule keeps plus what the adapter trains in full (lora's modules_to_save and the
// task head peft adds for its task_type): those must stay trainable.
void quantize_for_training(PreTrainedModel& model, quant::BitsAndBytesConfig config, const peft::LoraConfig& lora);

}  // namespace cuddle::training
