// Dataset repos: the `configs` section of a README.md dataset card and Hub downloads
// (dataset_card.cpp), shared by load_dataset and push_to_hub.
#pragma once
#include <optional>
#include <string>

#include "cuddle/load_dataset.h"

namespace cuddle::datasets {

struct CardConfig {
  std::string name;
  DataFilePatterns data_files;  // may be empty: the default patterns apply
  std::string data_dir;
};

// The `configs` entry named `name` of folder/README.md (empty name: the default config, as
// datasets picks it: the only one, the one named "default" or the one with default: true).
// nullopt when there is no README.md or it has no configs. Throws FormatError naming the
// card for a malformed section, an unknown config name or several defaults.
std::optional<CardConfig> card_config(const std::string& folder, const std::string& name);

// A Hub dataset repo's snapshot at `revision` in the huggingface_hub cache
// (datasets--org--name), downloaded unless present; honours HF_ENDPOINT, HF_TOKEN,
// HF_HUB_CACHE and HF_HUB_OFFLINE.
std::string download_dataset_repo(const std::string& repo_id, const std::string& revision);

}  // namespace cuddle::datasets
