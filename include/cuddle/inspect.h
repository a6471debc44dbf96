// What `cuddle info` reports, computed by the library so that the command only prints:
// the contents of a safetensors file, or a summary of a Hugging Face model folder.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cuddle/safetensors.h"

namespace cuddle {

struct DTypeTally {
  int64_t tensors = 0;
  int64_t parameters = 0;  // elements
};

struct ModelFolderSummary {
  std::string path;
  std::vector<std::string> architectures;  // from config.json, empty when absent
  std::string model_type;                  // from config.json, empty when absent
  int64_t parameters = 0;                  // elements over all weight tensors
  std::map<std::string, DTypeTally> dtypes;  // keyed by safetensors dtype name
  // Files present, by role, as names relative to the folder.
  std::vector<std::string> config_files;
  std::vector<std::string> weight_files;
  std::vector<std::string> tokenizer_files;
};

// Reads config.json (when present) and the weights (SafetensorsCheckpoint::open, so a
// pickle-only folder is refused; a PEFT adapter folder is summarised from
// adapter_model.safetensors). Throws IoError / FormatError naming the file.
ModelFolderSummary summarize_model_folder(const std::string& dir);

}  // namespace cuddle
