// Loading a model folder quantized (saved so, or quantized while loading) and saving one
// as transformers saves bitsandbytes models.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "cuddle/quant.h"
#include "io/atomic_file.h"
#include "io/json_file.h"

namespace cuddle::quant {

namespace fs = std::filesystem;

std::unique_ptr<PreTrainedModel> load_quantized_model(const std::string& dir, std::optional<ModelTask> task,
                                                      const std::optional<BitsAndBytesConfig>& requested) {
  // A folder saved quantized is read as it is, whatever was requested (transformers does
  // the same: the checkpoint's quantization_config wins).
  const std::optional<BitsAndBytesConfig> saved = read_quantization_config(dir);
  if (requested) requested->validate();
  auto model = create_model(dir, task);
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(dir);
  PreTrainedModel::Prefilled prefilled;
  if (saved) prefilled = attach_prequantized(*model, checkpoint, *saved, dir);
  model->load_weights(checkpoint, prefilled);
  if (saved || requested) {
    const auto done = quantize_linears(*model, saved ? *saved : *requested, model->tied());
    // Running in f32 when 8 or 4 bits were asked for would mislead (memory, numbers).
    if (!saved && done.empty())
      throw Error(dir + ": no layer was quantized: " + model->class_name() +
                  " has no Linear (or Conv1D) layer outside what stays in full precision");
  }
  return model;
}

void save_quantized(PreTrainedModel& model, const BitsAndBytesConfig& config, const std::string& source_dir,
                    const std::string& out_dir) {
  config.validate();
  fs::create_directories(out_dir);
  // Tied copies are not saved (transformers drops them); their source is.
  std::set<std::string> skip;
  for (const auto& [target, source] : model.tied()) skip.insert(target);
  save_safetensors_checkpoint(out_dir, quantized_state_dict(model, skip), uint64_t{5} << 30);
  nlohmann::json cfg = io::read_json_file((fs::path(source_dir) / "config.json").string());
  cfg["quantization_config"] = nlohmann::json::parse(config.to_json());
  io::write_file_atomic((fs::path(out_dir) / "config.json").string(), cfg.dump(2) + "\n");
  copy_companion_files(source_dir, out_dir);
}

}  // namespace cuddle::quant
