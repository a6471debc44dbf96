// Model folders: a single model.safetensors, or shards listed by
// model.safetensors.index.json, in the layout transformers' save_pretrained writes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cuddle/error.h"
#include "cuddle/safetensors.h"
#include "io/json_file.h"
#include "io/quote.h"

namespace cuddle {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

// Pickle checkpoints can run arbitrary code when loaded, so cuddle never reads them
// (docs/safetensors.md); the message says how to convert instead.
[[noreturn]] void refuse_pickle(const fs::path& dir, const std::string& found) {
  throw FormatError(dir.string() + ": only " + found +
                    " found; cuddle does not load pickle (.bin) weights because unpickling can "
                    "run arbitrary code. Convert once in Python: "
                    "AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)");
}

// A shard name from an index must stay inside the folder.
void check_shard_name(const fs::path& index, const std::string& shard) {
  fs::path p(shard);
  bool escapes = p.is_absolute() || shard.empty();
  for (const auto& part : p) escapes = escapes || part == "..";
  if (escapes)
    throw FormatError(index.string() + ": weight_map names shard " + io::quote(shard) +
                      ", which is not a file inside the model folder");
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  SafetensorsCheckpoint c;
  fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec)) throw IoError(path + ": no such file or directory");

  auto add_whole_file = [&](const fs::path& file) {
    c.files_.push_back(SafetensorsFile::open(file.string()));
    for (const auto& name : c.files_.back().names()) c.owner_[name] = c.files_.size() - 1;
  };
  if (!fs::is_directory(p, ec)) {
    add_whole_file(p);
    return c;
  }
  if (fs::exists(p / kIndexFile, ec)) {
    fs::path index = p / kIndexFile;
    nlohmann::json j = io::read_json_file(index.string());
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      throw FormatError(index.string() + ": missing the \"weight_map\" object");
    std::map<std::string, size_t> shard_index;
    for (const auto& [name, shard_v] : j["weight_map"].items()) {
      if (!shard_v.is_string())
        throw FormatError(index.string() + ": weight_map[" + io::quote(name) + "] must be a file name");
      std::string shard = shard_v.get<std::string>();
      auto it = shard_index.find(shard);
      if (it == shard_index.end()) {
        check_shard_name(index, shard);
        if (!fs::exists(p / shard, ec))
          throw FormatError(index.string() + ": weight_map names shard " + io::quote(shard) +
                            " (for " + io::quote(name) + "), which does not exist");
        c.files_.push_back(SafetensorsFile::open((p / shard).string()));
        it = shard_index.emplace(shard, c.files_.size() - 1).first;
      }
      if (!c.files_[it->second].contains(name))
        throw FormatError(index.string() + ": weight_map puts " + io::quote(name) + " in " + shard +
                          ", which holds no tensor of that name");
      c.owner_[name] = it->second;
    }
    return c;
  }
  if (fs::exists(p / kSingleFile, ec)) {
    add_whole_file(p / kSingleFile);
    return c;
  }
  for (const char* pickle : {"pytorch_model.bin.index.json", "pytorch_model.bin"})
    if (fs::exists(p / pickle, ec)) refuse_pickle(p, pickle);
  throw IoError(path + ": no " + kSingleFile + " or " + kIndexFile + " in this folder");
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < files_.size(); ++i)
    for (const auto& e : files_[i].header().entries) {
      auto it = owner_.find(e.name);
      if (it != owner_.end() && it->second == i) out.push_back(e.name);
    }
  return out;
}

bool SafetensorsCheckpoint::contains(const std::string& name) const { return owner_.count(name) != 0; }

const SafetensorsEntry& SafetensorsCheckpoint::entry(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) {
    std::string where = files_.empty() ? std::string("checkpoint") : files_.front().path();
    throw FormatError(where + ": no tensor named " + io::quote(name) + " in the checkpoint");
  }
  return files_[it->second].entry(name);
}

Tensor SafetensorsCheckpoint::tensor(const std::string& name) const {
  entry(name);  // the error for an unknown name
  return files_[owner_.at(name)].tensor(name);
}

void save_safetensors_checkpoint(const std::string& dir, const NamedTensors& tensors,
                                 uint64_t max_shard_bytes,
                                 const std::map<std::string, std::string>& metadata) {
  // Greedy split in the caller's order, as huggingface_hub's split_torch_state_dict_into_shards:
  // a tensor that would overflow the current shard starts the next one.
  std::vector<NamedTensors> shards(1);
  uint64_t current = 0, total = 0;
  for (const auto& nt : tensors) {
    uint64_t n = nt.second.nbytes();
    if (!shards.back().empty() && current + n > max_shard_bytes) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(nt);
    current += n;
    total += n;
  }
  fs::path d(dir);
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) throw IoError(dir + ": cannot create folder: " + ec.message());
  if (shards.size() == 1) {
    save_safetensors((d / kSingleFile).string(), tensors, metadata);
    return;
  }
  nlohmann::json index;
  index["metadata"]["total_size"] = total;
  index["weight_map"] = nlohmann::json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    save_safetensors((d / name).string(), shards[i], metadata);
    for (const auto& nt : shards[i]) index["weight_map"][nt.first] = name;
  }
  // Python's json.dumps(index, indent=2, sort_keys=True) + "\n" (nlohmann sorts keys too).
  std::ofstream out(d / kIndexFile, std::ios::binary);
  out << index.dump(2, ' ', true) << "\n";
  if (!out) throw IoError((d / kIndexFile).string() + ": write failed");
}

}  // namespace cuddle
