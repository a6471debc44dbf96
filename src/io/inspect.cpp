// Model folder summaries for `cuddle info`.
#include "cuddle/inspect.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "io/json_file.h"

namespace cuddle {

namespace fs = std::filesystem;

namespace {

// The files transformers and tokenizers read from a model folder, by role.
const char* const kConfigFiles[] = {"config.json", "generation_config.json", "preprocessor_config.json",
                                    "processor_config.json", "adapter_config.json"};
const char* const kTokenizerFiles[] = {"tokenizer.json",     "tokenizer_config.json", "special_tokens_map.json",
                                       "added_tokens.json",  "vocab.txt",             "vocab.json",
                                       "merges.txt",         "tokenizer.model",       "spm.model",
                                       "sentencepiece.bpe.model"};

template <size_t N>
std::vector<std::string> present(const fs::path& dir, const char* const (&names)[N]) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const char* n : names)
    if (fs::is_regular_file(dir / n, ec)) out.push_back(n);
  return out;
}

void read_config(const fs::path& path, ModelFolderSummary* s) {
  nlohmann::json j = io::read_json_file(path.string());
  if (!j.is_object()) throw FormatError(path.string() + ": expected a JSON object");
  if (j.contains("model_type") && j["model_type"].is_string()) s->model_type = j["model_type"];
  if (j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"])
      if (a.is_string()) s->architectures.push_back(a.get<std::string>());
}

}  // namespace

ModelFolderSummary summarize_model_folder(const std::string& dir) {
  ModelFolderSummary s;
  s.path = dir;
  fs::path d(dir);
  std::error_code ec;
  if (fs::is_regular_file(d / "config.json", ec)) read_config(d / "config.json", &s);
  // A PEFT adapter folder holds adapter_model.safetensors instead of model weights.
  bool adapter_only = !fs::exists(d / "model.safetensors", ec) &&
                      !fs::exists(d / "model.safetensors.index.json", ec) &&
                      fs::is_regular_file(d / "adapter_model.safetensors", ec);
  SafetensorsCheckpoint ckpt =
      SafetensorsCheckpoint::open(adapter_only ? (d / "adapter_model.safetensors").string() : dir);
  for (const auto& name : ckpt.names()) {
    const SafetensorsEntry& e = ckpt.entry(name);
    DTypeTally& t = s.dtypes[std::string(dtype_name(e.dtype))];
    int64_t n = shape_numel(e.shape);
    ++t.tensors;
    t.parameters += n;
    s.parameters += n;
  }
  s.config_files = present(d, kConfigFiles);
  s.tokenizer_files = present(d, kTokenizerFiles);
  if (fs::is_regular_file(d / "model.safetensors.index.json", ec))
    s.weight_files.push_back("model.safetensors.index.json");
  for (const auto& f : ckpt.files()) s.weight_files.push_back(fs::path(f.path()).filename().string());
  return s;
}

}  // namespace cuddle
