// Writing a model folder as transformers' save_pretrained does (model.safetensors without
// tied copies, config.json naming the class), and carrying a folder's companion files.
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "cuddle/models.h"
#include "io/atomic_file.h"

namespace cuddle {

namespace fs = std::filesystem;

NamedTensors state_dict(PreTrainedModel& model) {
  NamedTensors out;
  for (const auto& slot : model.named_parameters()) {
    if (model.tied().count(slot.name)) continue;  // saved once, under its source's name
    if (!slot.tensor->defined()) throw Error(slot.name + ": parameter was never loaded or initialised");
    out.emplace_back(slot.name, slot.tensor->contiguous());
  }
  return out;
}

void save_pretrained(PreTrainedModel& model, const std::string& dir) {
  fs::create_directories(dir);
  save_safetensors_checkpoint(dir, state_dict(model), uint64_t{5} << 30);
  nlohmann::json cfg = model.config().json();
  cfg["architectures"] = {model.class_name()};
  // Labels as the model knows them: a head sized from the data has no id2label on disk yet.
  nlohmann::json id2label = nlohmann::json::object(), label2id = nlohmann::json::object();
  for (const auto& [id, label] : model.config().id2label) {
    id2label[std::to_string(id)] = label;
    label2id[label] = id;
  }
  if (!id2label.empty()) {
    cfg["id2label"] = id2label;
    cfg["label2id"] = label2id;
  }
  cfg["dtype"] = "float32";
  io::write_file_atomic((fs::path(dir) / "config.json").string(), cfg.dump(2) + "\n");
}

namespace {

// What transformers' tokenizer / processor / generation-config save_pretrained write beside
// a model. Anything else in a model folder (a previous run's trainer_state.json or
// all_results.json, predictions, an adapter, notes) belongs to that folder, not to models
// made from it.
bool is_companion_file(const std::string& name) {
  static const std::set<std::string> names = {
      "tokenizer.json",          "tokenizer_config.json",  "special_tokens_map.json", "added_tokens.json",
      "merges.txt",              "preprocessor_config.json", "processor_config.json",
      "image_processor_config.json", "feature_extractor_config.json", "generation_config.json"};
  return names.count(name) || name.starts_with("vocab.") || name.starts_with("chat_template.") ||
         name.ends_with(".model");  // sentencepiece: tokenizer.model, spiece.model, sentencepiece.bpe.model
}

}  // namespace

void copy_companion_files(const std::string& from, const std::string& to) {
  for (const auto& entry : fs::directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (!is_companion_file(name)) continue;
    const std::string target = (fs::path(to) / name).string();
    if (fs::exists(target) && fs::equivalent(entry.path(), target)) continue;
    fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
  }
}

}  // namespace cuddle
