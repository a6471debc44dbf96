// QLoRA setup for `cuddle train` (quantized_training.h).
#include "training/tasks/quantized_training.h"

#include "cuddle/error.h"

namespace cuddle::training {

std::optional<quant::BitsAndBytesConfig> training_quantization(const TaskArguments& task,
                                                               const std::string& model_dir) {
  std::optional<quant::BitsAndBytesConfig> config = quant::read_quantization_config(model_dir);
  if (!config && !task.load_in_8bit && !task.load_in_4bit) return std::nullopt;
  if (!config) {
    config.emplace();
    config->load_in_8bit = task.load_in_8bit;
    config->load_in_4bit = task.load_in_4bit;
    config->bnb_4bit_quant_type = task.bnb_4bit_quant_type;
    config->bnb_4bit_use_double_quant = task.use_bnb_nested_quant;
    config->validate("cuddle train");
  }
  if (!has_weights(model_dir))
    throw Error("cuddle train: " + model_dir +
                " holds no weights (a config-only folder trains from scratch); quantizing randomly initialised "
                "weights to train adapters on them makes no sense - drop --load_in_8bit / --load_in_4bit");
  return config;
}

void quantize_for_training(PreTrainedModel& model, quant::BitsAndBytesConfig config, const peft::LoraConfig& lora) {
  std::vector<std::string> keep = quant::modules_not_to_convert(model, config, model.tied());
  for (const auto& m : lora.modules_to_save) keep.push_back(m);
  for (const auto& m : peft::task_head_modules(lora.task_type)) keep.push_back(m);
  config.llm_int8_skip_modules = keep;
  const auto done = quant::quantize_linears(model, config, model.tied());
  if (done.empty()) throw Error("cuddle train: no Linear layer was left to quantize (all kept in full precision)");
}

}  // namespace cuddle::training
