// save_to_disk / load_from_disk in datasets' folder layout:
//   data-00000-of-00001.arrow  Arrow IPC stream; schema metadata "huggingface" holds
//                              {"info": {"features": ...}}
//   dataset_info.json          {"citation", "description", "features", "homepage", "license"}
//   state.json                 the data files, fingerprint and format of the Dataset
// A DatasetDict is dataset_dict.json ({"splits": [...]}) plus one such folder per split.
#include <filesystem>

#include "io/atomic_file.h"
#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "cuddle/mapped_file.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {

namespace {

constexpr const char* kDataFile = "data-00000-of-00001.arrow";

std::string hex64(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = digits[v & 15];
  return s;
}

// FNV-1a of the data: the same table saved twice gets the same fingerprint.
uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Parsed keeping key order (features list columns in order), unlike io::read_json_file.
Json read_json_file(const std::string& path) {
  auto f = MappedFile::open(path);
  Json j = Json::parse(std::string_view(reinterpret_cast<const char*>(f->data()), f->size()), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(path + ": not a JSON object");
  return j;
}

// A name that stays inside its folder (shard files, split folders).
bool is_plain_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

void make_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create the folder: " + ec.message());
}

}  // namespace

arrow::Table table_with_features(const Dataset& ds) {
  arrow::Table t = ds.table();
  t.schema.metadata.emplace_back("huggingface", Json{{"info", {{"features", features_to_json(ds.features())}}}}.dump());
  return t;
}

void save_to_disk(const Dataset& ds, const std::string& dir) {
  make_dir(dir);
  Json features = features_to_json(ds.features());
  std::string data = arrow::serialize_ipc_stream(table_with_features(ds));
  io::write_file_atomic(dir + "/" + kDataFile, data);
  // Keys in datasets' order: dataset_info.json sorts its top level, state.json all keys.
  Json info = Json::object();
  info["citation"] = "";
  info["description"] = "";
  info["features"] = features;
  info["homepage"] = "";
  info["license"] = "";
  io::write_file_atomic(dir + "/dataset_info.json", info.dump(2));
  Json state = Json::object();
  state["_data_files"] = Json::array({Json{{"filename", kDataFile}}});
  state["_fingerprint"] = hex64(fnv1a(data));
  state["_format_columns"] = nullptr;
  state["_format_kwargs"] = Json::object();
  state["_format_type"] = nullptr;
  state["_output_all_columns"] = false;
  state["_split"] = nullptr;
  io::write_file_atomic(dir + "/state.json", state.dump(2));
}

Dataset load_from_disk(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir + "/dataset_dict.json", ec))
    throw FormatError(dir + ": a DatasetDict (dataset_dict.json); load it with load_dataset_dict_from_disk");
  Json state = read_json_file(dir + "/state.json");
  if (!state.contains("_data_files") || !state["_data_files"].is_array() || state["_data_files"].empty())
    throw FormatError(dir + "/state.json: no _data_files");
  std::vector<arrow::Table> shards;
  for (const auto& f : state["_data_files"]) {
    if (!f.is_object() || !f.contains("filename") || !f["filename"].is_string())
      throw FormatError(dir + "/state.json: a _data_files entry without a filename");
    std::string name = f["filename"].get<std::string>();
    // Shards live in the folder itself: a path elsewhere is not datasets' layout.
    if (!is_plain_name(name))
      throw FormatError(dir + "/state.json: data file name '" + name + "' is not a file in the folder");
    shards.push_back(arrow::read_ipc(dir + "/" + name));
  }
  arrow::Table t;
  try {
    t = arrow::concat_tables(shards);
  } catch (const ShapeError& e) {
    throw FormatError(dir + ": the data files do not share one schema: " + e.what());
  }
  t.schema.metadata = shards[0].schema.metadata;
  if (fs::exists(dir + "/dataset_info.json", ec)) {
    Json info = read_json_file(dir + "/dataset_info.json");
    if (info.contains("features") && info["features"].is_object())
      return Dataset(std::move(t), features_from_json(info["features"], dir + "/dataset_info.json"));
  }
  return Dataset(std::move(t));
}

void save_to_disk(const DatasetDict& dd, const std::string& dir) {
  make_dir(dir);
  Json splits = Json::array();
  for (const auto& [name, ds] : dd.splits) {
    if (!is_plain_name(name))
      throw ShapeError("split name '" + name + "' cannot be a folder name");
    save_to_disk(ds, dir + "/" + name);
    splits.push_back(name);
  }
  io::write_file_atomic(dir + "/dataset_dict.json", Json{{"splits", splits}}.dump());
}

DatasetDict load_dataset_dict_from_disk(const std::string& dir) {
  Json j = read_json_file(dir + "/dataset_dict.json");
  if (!j.contains("splits") || !j["splits"].is_array()) throw FormatError(dir + "/dataset_dict.json: no splits list");
  DatasetDict dd;
  for (const auto& s : j["splits"]) {
    if (!s.is_string()) throw FormatError(dir + "/dataset_dict.json: a split name is not a string");
    std::string name = s.get<std::string>();
    if (!is_plain_name(name))
      throw FormatError(dir + "/dataset_dict.json: split name '" + name + "' is not a folder in it");
    dd.splits.emplace_back(name, load_from_disk(dir + "/" + name));
  }
  return dd;
}

}  // namespace cuddle::datasets
