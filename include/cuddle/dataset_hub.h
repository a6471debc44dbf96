// Publishing datasets to a Hub dataset repo as datasets' push_to_hub does
// (docs/datasets.md): Parquet shards under data/ (or <config_name>/), a README.md dataset
// card whose YAML holds `dataset_info` (features, splits) and `configs` (data_files per
// split), so that load_dataset of the repo, here or in Python, finds the splits. The
// endpoint and token come from the environment (HF_ENDPOINT, HF_TOKEN), as for downloads.
#pragma once
#include <cstdint>
#include <string>

#include "cuddle/datasets.h"

namespace cuddle::datasets {

struct PushToHubOptions {
  std::string config_name = "default";  // "default" writes under data/, others under <config_name>/
  std::string split = "train";          // the split a single Dataset becomes
  std::string revision = "main";        // branch to commit to
  std::string commit_message = "Upload dataset";
  bool is_private = false;
  int64_t max_shard_bytes = 500'000'000;  // datasets' max_shard_size "500MB"
};

// Creates the repo when missing, uploads every split in one commit (replacing the shards
// an earlier push left for those splits) and returns the commit id. Throws hub::HubError
// for what the server refuses, ShapeError for columns Parquet cannot hold yet.
std::string push_to_hub(const DatasetDict& dd, const std::string& repo_id, const PushToHubOptions& options = {});
std::string push_to_hub(const Dataset& ds, const std::string& repo_id, const PushToHubOptions& options = {});

// The features in the YAML form of a dataset card (datasets' Features._to_yaml_list):
// [{"name": "text", "dtype": "string"}, {"name": "label", "dtype": {"class_label":
// {"names": {"0": "neg", ...}}}}, {"name": "ids", "list": "int32"}, ...].
Json features_to_yaml(const Features& features);

}  // namespace cuddle::datasets
