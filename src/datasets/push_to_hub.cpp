// push_to_hub as datasets does it (arrow_dataset.py _push_parquet_shards_to_hub and
// dataset_dict.py push_to_hub): each split cut into contiguous shards of about
// max_shard_bytes, written as data/{split}-{i:05d}-of-{n:05d}.parquet with the features in
// the Parquet schema metadata, and a README.md card updated in place: `dataset_info`
// (features, splits with rows and bytes, sizes) and the `configs` entry of this config.
#include <set>

#include "cuddle/dataset_hub.h"
#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/model_card.h"

namespace cuddle::datasets {

namespace {

std::string pad5(int64_t v) {
  std::string s = std::to_string(v);
  return std::string(s.size() < 5 ? 5 - s.size() : 0, '0') + s;
}

// Bytes of every Arrow buffer the dataset's arrays use (datasets' _estimate_nbytes reads
// the same from pyarrow): what decides the number of shards and `num_bytes`.
int64_t arrow_nbytes(const arrow::ArrayData& a) {
  int64_t n = 0;
  const int width = arrow::byte_width(a.type->id);
  if (!a.validity.empty()) n += (a.length + 7) / 8;
  if (width > 0) n += a.length * width;
  else if (a.type->id == arrow::Type::Bool) n += (a.length + 7) / 8;
  if (arrow::is_string_like(a.type->id) || a.type->id == arrow::Type::List || a.type->id == arrow::Type::LargeList) {
    n += (a.length + 1) * (arrow::has_64bit_offsets(a.type->id) ? 8 : 4);
    if (a.length > 0 && arrow::is_string_like(a.type->id)) n += a.range(a.length - 1).second - a.range(0).first;
  }
  for (const auto& c : a.children) n += arrow_nbytes(*c);
  return n;
}

int64_t dataset_nbytes(const Dataset& ds) {
  int64_t n = 0;
  for (const auto& col : ds.table().columns)
    for (const auto& chunk : col.chunks) n += arrow_nbytes(*chunk);
  return n;
}

}  // namespace

std::string push_to_hub(const DatasetDict& dd, const std::string& repo_id, const PushToHubOptions& o) {
  if (dd.splits.empty()) throw ShapeError("push_to_hub: the DatasetDict holds no split");
  const hub::HubConfig cfg = hub::HubConfig::from_env();
  hub::create_repo(cfg, repo_id, o.is_private, hub::RepoType::Dataset, /*exist_ok=*/true);
  const std::string data_dir = o.config_name == "default" ? "data" : o.config_name;
  const hub::RepoInfo info = hub::repo_info(cfg, repo_id, o.revision, hub::RepoType::Dataset);

  std::vector<hub::CommitOperation> ops;
  std::set<std::string> added;
  Json splits_yaml = Json::array(), files_yaml = Json::array();
  int64_t download_size = 0, dataset_size = 0;
  for (const auto& [split, ds] : dd.splits) {
    const int64_t nbytes = dataset_nbytes(ds);
    const int64_t num_shards = nbytes / std::max<int64_t>(o.max_shard_bytes, 1) + 1;
    for (int64_t i = 0; i < num_shards; ++i) {
      const Dataset shard = ds.shard(num_shards, i);
      hub::CommitOperation add;
      add.path_in_repo = data_dir + "/" + split + "-" + pad5(i) + "-of-" + pad5(num_shards) + ".parquet";
      add.content = arrow::serialize_parquet(table_with_features(shard));
      download_size += static_cast<int64_t>(add.content->size());
      added.insert(add.path_in_repo);
      ops.push_back(std::move(add));
    }
    dataset_size += nbytes;
    splits_yaml.push_back(Json{{"name", split}, {"num_bytes", nbytes}, {"num_examples", ds.num_rows()}});
    files_yaml.push_back(Json{{"split", split}, {"path", data_dir + "/" + split + "-*"}});
    // Shards an earlier push left for this split (another shard count) would be read too.
    const std::string prefix = data_dir + "/" + split + "-";
    for (const auto& f : info.siblings)
      if (f.rfind(prefix, 0) == 0 && f.ends_with(".parquet") && !added.count(f))
        ops.push_back(hub::CommitOperation{hub::CommitOperation::Kind::Delete, f, "", std::nullopt});
  }

  // The card: the existing README.md updated, or a new one.
  hub::ModelCard card = hub::ModelCard::for_repo(repo_id);
  for (const auto& f : info.siblings)
    if (f == "README.md") {
      hub::DownloadOptions d;
      d.repo_type = hub::RepoType::Dataset;
      d.revision = info.sha;
      card = hub::ModelCard::load(hub::hf_hub_download(cfg, repo_id, "README.md", d));
    }
  Json dataset_info = Json::object();
  if (o.config_name != "default") dataset_info["config_name"] = o.config_name;
  dataset_info["features"] = features_to_yaml(dd.splits[0].second.features());
  dataset_info["splits"] = splits_yaml;
  dataset_info["download_size"] = download_size;
  dataset_info["dataset_size"] = dataset_size;
  card.set("dataset_info", dataset_info);
  Json configs = card.data().contains("configs") && card.data()["configs"].is_array() ? card.data()["configs"] : Json::array();
  Json entry = {{"config_name", o.config_name}, {"data_files", files_yaml}};
  bool replaced = false;
  for (auto& c : configs)
    if (c.is_object() && c.value("config_name", "") == o.config_name) {
      // Splits pushed before and not now stay listed, as datasets keeps them.
      for (const auto& old : c.value("data_files", Json::array()))
        if (old.is_object() && std::none_of(files_yaml.begin(), files_yaml.end(),
                                            [&](const Json& n) { return n["split"] == old.value("split", Json()); }))
          entry["data_files"].push_back(old);
      c = entry;
      replaced = true;
    }
  if (!replaced) configs.push_back(entry);
  card.set("configs", configs);
  hub::CommitOperation readme;
  readme.path_in_repo = "README.md";
  readme.content = card.to_string();
  ops.push_back(std::move(readme));

  hub::CommitOptions c;
  c.repo_type = hub::RepoType::Dataset;
  c.revision = o.revision;
  c.message = o.commit_message;
  return hub::create_commit(cfg, repo_id, ops, c).oid;
}

std::string push_to_hub(const Dataset& ds, const std::string& repo_id, const PushToHubOptions& o) {
  DatasetDict dd;
  dd.splits.emplace_back(o.split, ds);
  return push_to_hub(dd, repo_id, o);
}

}  // namespace cuddle::datasets
