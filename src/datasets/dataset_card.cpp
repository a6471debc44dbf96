// The `configs` section of a dataset card, as datasets' MetadataConfigs reads it:
//   configs:
//   - config_name: default
//     data_files:            # a path, a list of paths, or a list of {split, path}
//     - split: train
//       path: data/train-*
//     data_dir: ...          # optional
//     default: true          # optional
// and Hub dataset repos fetched through the hub layer's cache.
#include <filesystem>

#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/model_card.h"
#include "datasets/dataset_card.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {

namespace {

using CardJson = nlohmann::ordered_json;

std::vector<std::string> string_list(const CardJson& v, const std::string& where) {
  if (v.is_string()) return {v.get<std::string>()};
  std::vector<std::string> out;
  if (v.is_array())
    for (const auto& s : v) {
      if (!s.is_string()) throw FormatError(where + ": a data_files path is not a string: " + s.dump());
      out.push_back(s.get<std::string>());
    }
  else
    throw FormatError(where + ": data_files must be a path, a list of paths or a list of {split, path}");
  return out;
}

// datasets' sanitize_patterns on what the card holds.
DataFilePatterns card_patterns(const CardJson& v, const std::string& where) {
  if (v.is_array() && !v.empty() && v[0].is_object()) {
    DataFilePatterns out;
    for (const auto& item : v) {
      if (!item.is_object() || !item.contains("split") || !item.contains("path") || !item["split"].is_string())
        throw FormatError(where + ": each data_files item is {split: NAME, path: PATTERN(S)}: " + item.dump());
      const std::string split = item["split"].get<std::string>();
      for (const auto& [s, _] : out)
        if (s == split) throw FormatError(where + ": split '" + split + "' appears twice in data_files");
      out.emplace_back(split, string_list(item["path"], where));
    }
    return out;
  }
  if (v.is_object()) {  // {split: pattern(s)}
    DataFilePatterns out;
    for (const auto& [split, paths] : v.items()) out.emplace_back(split, string_list(paths, where));
    return out;
  }
  return data_files(string_list(v, where));
}

}  // namespace

std::optional<CardConfig> card_config(const std::string& folder, const std::string& name) {
  const std::string readme = folder + "/README.md";
  std::error_code ec;
  if (!fs::is_regular_file(readme, ec)) return std::nullopt;
  const CardJson data = hub::ModelCard::load(readme).data();
  if (!data.contains("configs")) return std::nullopt;
  const CardJson& configs = data["configs"];
  if (!configs.is_array()) throw FormatError(readme + ": configs must be a list");
  const CardJson* chosen = nullptr;
  std::string names;
  for (const auto& c : configs) {
    if (!c.is_object() || !c.contains("config_name") || !c["config_name"].is_string())
      throw FormatError(readme + ": each configs entry needs a config_name: " + c.dump());
    const std::string n = c["config_name"].get<std::string>();
    names += (names.empty() ? "" : ", ") + n;
    const bool is_default = configs.size() == 1 || n == "default" || (c.contains("default") && c["default"] == true);
    if (!name.empty() ? n == name : is_default) {
      if (chosen) throw FormatError(readme + ": several configs are the default");
      chosen = &c;
    }
  }
  if (!chosen)
    throw FormatError(readme + ": " + (name.empty() ? "no default config; pick one of: " : "no config '" + name + "'; the configs are: ") + names);
  CardConfig out;
  out.name = (*chosen)["config_name"].get<std::string>();
  const std::string where = readme + " config '" + out.name + "'";
  if (chosen->contains("data_files")) out.data_files = card_patterns((*chosen)["data_files"], where);
  if (chosen->contains("data_dir") && (*chosen)["data_dir"].is_string()) out.data_dir = (*chosen)["data_dir"].get<std::string>();
  return out;
}

std::string download_dataset_repo(const std::string& repo_id, const std::string& revision) {
  hub::DownloadOptions o;
  o.repo_type = hub::RepoType::Dataset;
  o.revision = revision.empty() ? "main" : revision;
  return hub::snapshot_download(hub::HubConfig::from_env(), repo_id, o);
}

}  // namespace cuddle::datasets
