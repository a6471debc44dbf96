// `cuddle dataset info|head|convert|split`: look into and convert dataset files (CSV,
// JSON Lines, text, Arrow, save_to_disk folders) with the datasets layer (docs/datasets.md).
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "cuddle/load_dataset.h"
#include "cuddle/dataset_hub.h"

namespace cuddle::cli {
namespace {

using datasets::Dataset;
using datasets::DatasetDict;
using datasets::Feature;
using datasets::Json;

// SRC as splits: a folder written by save_to_disk (a DatasetDict or one Dataset, which
// load_dataset does not read), else whatever load_dataset takes: a data file, a glob, a
// folder whose file names give the splits, an image folder or a Hub dataset repo id.
DatasetDict load_source(const std::string& src, const std::string& revision) {
  std::error_code ec;
  if (std::filesystem::exists(src + "/dataset_dict.json", ec)) return datasets::load_dataset_dict_from_disk(src);
  if (std::filesystem::exists(src + "/state.json", ec)) return DatasetDict{{{"train", datasets::load_from_disk(src)}}};
  datasets::LoadDatasetOptions o;
  o.revision = revision;
  return datasets::load_dataset(src, o);
}

// datasets' repr: Value('int64'), ClassLabel(names=[...]), List(Value('int32')), {...}.
std::string describe(const Feature& f) {
  switch (f.kind) {
    case Feature::Kind::Value: return "Value('" + f.dtype + "')";
    case Feature::Kind::ClassLabel: {
      std::string s;
      for (const auto& n : f.names) s += (s.empty() ? "'" : ", '") + n + "'";
      return "ClassLabel(names=[" + s + "])";
    }
    case Feature::Kind::List:
    case Feature::Kind::LargeList:
      return std::string(f.kind == Feature::Kind::List ? "List(" : "LargeList(") + describe(*f.item) +
             (f.length >= 0 ? ", length=" + std::to_string(f.length) : "") + ")";
    case Feature::Kind::Image: return "Image(mode=None, decode=True)";
    case Feature::Kind::Struct: {
      std::string s;
      for (const auto& [name, sub] : f.fields) s += (s.empty() ? "'" : ", '") + name + "': " + describe(*sub);
      return "{" + s + "}";
    }
  }
  return "?";
}

// --split: a split expression ("train", "train[:10%]", "train[10:20]+test"), or the first.
Dataset pick_split(const DatasetDict& dd, const std::string& split) {
  return split.empty() ? dd.splits.at(0).second : datasets::select_split(dd, split);
}

int info(const std::string& src, const std::string& revision, bool json) {
  DatasetDict dd = load_source(src, revision);
  Json out = Json::object();
  out["source"] = src;
  out["splits"] = Json::object();
  for (const auto& [name, ds] : dd.splits)
    out["splits"][name] = Json{{"num_rows", ds.num_rows()}, {"num_columns", ds.table().num_columns()},
                               {"features", datasets::features_to_json(ds.features())}};
  if (json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << src << "\n";
  for (const auto& [name, ds] : dd.splits) {
    std::cout << "  split " << name << ": " << ds.num_rows() << " rows, " << ds.table().num_columns() << " columns\n";
    for (const auto& [col, f] : ds.features()) std::cout << "    " << col << ": " << describe(f) << "\n";
  }
  return 0;
}

// A cell on one line, cut at `width` characters (UTF-8 sequences kept whole).
std::string cell(const Json& v, size_t width) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  for (auto& c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (s.size() <= width) return s;
  size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

int head(const std::string& src, const std::string& revision, int64_t n, const std::string& split, bool json) {
  const Dataset ds = pick_split(load_source(src, revision), split);
  const int64_t rows = std::min(n, ds.num_rows());
  if (json) {
    for (int64_t i = 0; i < rows; ++i) std::cout << ds.row(i).dump() << "\n";
    return 0;
  }
  const auto names = ds.column_names();
  std::string line;
  for (const auto& name : names) line += (line.empty() ? "" : " | ") + name;
  std::cout << line << "\n";
  for (int64_t i = 0; i < rows; ++i) {
    line.clear();
    Json r = ds.row(i);
    for (const auto& name : names) line += (line.empty() ? "" : " | ") + cell(r[name], 40);
    std::cout << line << "\n";
  }
  return 0;
}

// Every split of SRC, or the one --split selects (pushed under its name when the
// expression is a plain split name, else as "train").
int push(const std::string& src, const std::string& revision, const std::string& split, const std::string& repo_id,
         datasets::PushToHubOptions o) {
  DatasetDict dd = load_source(src, revision);
  if (!split.empty()) {
    Dataset ds = datasets::select_split(dd, split);
    const bool plain = split.find_first_of("[+(") == std::string::npos;
    dd = DatasetDict{{{plain ? split : "train", ds}}};
  }
  const std::string commit = datasets::push_to_hub(dd, repo_id, o);
  for (const auto& [name, ds] : dd.splits) std::cout << "split " << name << ": " << ds.num_rows() << " rows\n";
  std::cout << "pushed to dataset repo " << repo_id << " at commit " << commit << "\n";
  return 0;
}

}  // namespace

CUDDLE_CLI_COMMAND("dataset", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("dataset", "Inspect, convert and split datasets (files, globs, folders, image folders, Hub repos)");
  cmd->require_subcommand(1);
  struct Args {
    std::string src, out, split, revision = "main", repo_id, config_name = "default";
    bool is_private = false;
    int64_t n = 5;
    bool json = false;
    std::optional<double> test_size, train_size;
    std::string stratify;
    uint64_t seed = 0;
  };
  auto a = std::make_shared<Args>();
  // Every subcommand reads SRC the same way.
  auto add_source = [a](CLI::App* sub, bool with_split) {
    sub->add_option("SRC", a->src, "a data file, glob, folder, image folder, save_to_disk folder or Hub dataset repo id")
        ->required();
    sub->add_option("--revision", a->revision, "Hub repos: branch, tag or commit (default main)");
    if (with_split)
      sub->add_option("--split", a->split, "split expression, e.g. train, test[:10%], train[10:20]+test (default: the first split)");
  };
  auto* info_cmd = cmd->add_subcommand("info", "features, splits and row counts");
  add_source(info_cmd, false);
  info_cmd->add_flag("--json", a->json, "print JSON");
  auto* head_cmd = cmd->add_subcommand("head", "the first rows");
  add_source(head_cmd, true);
  head_cmd->add_option("-n", a->n, "rows to show (default 5)")->check(CLI::NonNegativeNumber);
  head_cmd->add_flag("--json", a->json, "print JSON Lines");
  auto* convert_cmd = cmd->add_subcommand("convert", "write SRC as OUT's format (.arrow, .parquet, .jsonl, .json, .csv, or a folder)");
  add_source(convert_cmd, true);
  convert_cmd->add_option("OUT", a->out, "output file or folder")->required();
  auto* split_cmd = cmd->add_subcommand("split", "train_test_split as datasets does it, saved as a DatasetDict folder");
  add_source(split_cmd, true);
  split_cmd->add_option("--test-size", a->test_size, "fraction in (0, 1) or a row count (default 0.25, or the rest)");
  split_cmd->add_option("--train-size", a->train_size, "fraction in (0, 1) or a row count (default: the rest)");
  split_cmd->add_option("--stratify-by-column", a->stratify, "ClassLabel column whose class shares both splits keep");
  split_cmd->add_option("--seed", a->seed, "seed of numpy's default_rng (default 0)");
  split_cmd->add_option("--out", a->out, "output folder")->required();
  auto* push_cmd = cmd->add_subcommand("push", "push_to_hub: Parquet shards under data/ and a dataset card, in one commit");
  add_source(push_cmd, true);
  push_cmd->add_option("REPO_ID", a->repo_id, "dataset repo to create or update (org/name)")->required();
  push_cmd->add_option("--config-name", a->config_name, "config to write (default: default, under data/)");
  push_cmd->add_flag("--private", a->is_private, "create the repo private");
  return [a, info_cmd, head_cmd, convert_cmd, split_cmd, push_cmd]() {
    if (info_cmd->parsed()) return info(a->src, a->revision, a->json);
    if (head_cmd->parsed()) return head(a->src, a->revision, a->n, a->split, a->json);
    if (push_cmd->parsed()) {
      datasets::PushToHubOptions o;
      o.config_name = a->config_name;
      o.is_private = a->is_private;
      return push(a->src, a->revision, a->split, a->repo_id, o);
    }
    const Dataset ds = pick_split(load_source(a->src, a->revision), a->split);
    if (convert_cmd->parsed()) {
      datasets::save_file(ds, a->out);
      std::cout << "wrote " << ds.num_rows() << " rows to " << a->out << "\n";
      return 0;
    }
    if (split_cmd->parsed()) {
      datasets::TrainTestSplitOptions o;
      o.test_size = a->test_size;
      o.train_size = a->train_size;
      o.seed = a->seed;
      o.stratify_by_column = a->stratify;
      DatasetDict out = ds.train_test_split(o);
      datasets::save_to_disk(out, a->out);
      std::cout << "train " << out["train"].num_rows() << " rows, test " << out["test"].num_rows() << " rows -> " << a->out << "\n";
      return 0;
    }
    return 0;
  };
});

}  // namespace cuddle::cli
