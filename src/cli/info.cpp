// `cuddle info PATH [--json]`: what a safetensors file holds, or what a model folder is.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cuddle/inspect.h"
#include "cuddle/safetensors.h"

namespace cuddle::cli {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out.empty() ? "-" : out;
}

nlohmann::json file_json(const SafetensorsFile& f) {
  nlohmann::json tensors = nlohmann::json::array();
  int64_t params = 0;
  for (const auto& e : f.header().entries) {
    params += shape_numel(e.shape);
    tensors.push_back({{"name", e.name},
                       {"dtype", dtype_name(e.dtype)},
                       {"shape", e.shape},
                       {"bytes", e.end - e.begin},
                       {"data_offsets", {e.begin, e.end}}});
  }
  return {{"path", f.path()}, {"metadata", f.metadata()}, {"parameters", params}, {"tensors", tensors}};
}

void print_file(const nlohmann::json& j) {
  std::printf("%s\n", j["path"].get<std::string>().c_str());
  for (const auto& [k, v] : j["metadata"].items())
    std::printf("  metadata %s: %s\n", k.c_str(), v.get<std::string>().c_str());
  std::printf("  %zu tensors, %lld parameters\n\n", j["tensors"].size(),
              static_cast<long long>(j["parameters"].get<int64_t>()));
  size_t width = 4;
  for (const auto& t : j["tensors"]) width = std::max(width, t["name"].get<std::string>().size());
  std::printf("%-*s  %-11s  %-20s  %s\n", static_cast<int>(width), "name", "dtype", "shape", "bytes");
  for (const auto& t : j["tensors"])
    std::printf("%-*s  %-11s  %-20s  %llu\n", static_cast<int>(width), t["name"].get<std::string>().c_str(),
                t["dtype"].get<std::string>().c_str(), shape_str(t["shape"].get<Shape>()).c_str(),
                static_cast<unsigned long long>(t["bytes"].get<uint64_t>()));
}

nlohmann::json folder_json(const ModelFolderSummary& s) {
  nlohmann::json dtypes = nlohmann::json::object();
  for (const auto& [name, t] : s.dtypes) dtypes[name] = {{"tensors", t.tensors}, {"parameters", t.parameters}};
  return {{"path", s.path},
          {"architectures", s.architectures},
          {"model_type", s.model_type},
          {"parameters", s.parameters},
          {"dtypes", dtypes},
          {"files", {{"config", s.config_files}, {"weights", s.weight_files}, {"tokenizer", s.tokenizer_files}}}};
}

void print_folder(const ModelFolderSummary& s) {
  std::printf("%s\n", s.path.c_str());
  std::printf("  architectures  %s\n", join(s.architectures).c_str());
  std::printf("  model_type     %s\n", s.model_type.empty() ? "-" : s.model_type.c_str());
  std::printf("  parameters     %lld\n", static_cast<long long>(s.parameters));
  for (const auto& [name, t] : s.dtypes)
    std::printf("  dtype %-8s %lld tensors, %lld parameters\n", name.c_str(), static_cast<long long>(t.tensors),
                static_cast<long long>(t.parameters));
  std::printf("  config         %s\n", join(s.config_files).c_str());
  std::printf("  weights        %s\n", join(s.weight_files).c_str());
  std::printf("  tokenizer      %s\n", join(s.tokenizer_files).c_str());
}

}  // namespace

CUDDLE_CLI_COMMAND("info", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show the tensors of a .safetensors file or summarise a model folder");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("PATH", *path, "a .safetensors file or a model folder")->required();
  cmd->add_flag("--json", *json, "print JSON instead of a table");
  return [path, json]() {
    // Everything is read and validated before anything is printed, so an error leaves
    // stdout empty.
    if (std::filesystem::is_directory(*path)) {
      ModelFolderSummary s = summarize_model_folder(*path);
      if (*json)
        std::cout << folder_json(s).dump(2) << "\n";
      else
        print_folder(s);
    } else {
      nlohmann::json j = file_json(SafetensorsFile::open(*path));
      if (*json)
        std::cout << j.dump(2) << "\n";
      else
        print_file(j);
    }
    return 0;
  };
});

}  // namespace cuddle::cli
