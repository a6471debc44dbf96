// load_dataset: from a builder name, a folder, a file or a Hub repo to the data files of
// each split, then to Datasets, following datasets' load.py: PackagedDatasetModuleFactory
// for builder names (data_files as given, relative to data_dir or the current folder),
// LocalDatasetModuleFactory for folders (README.md `configs`, else the default split
// patterns; the builder from the most common extension).
#include <algorithm>
#include <filesystem>
#include <map>

#include "cuddle/error.h"
#include "cuddle/load_dataset.h"
#include "datasets/builders.h"
#include "datasets/dataset_card.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {

const std::vector<std::string>& builder_extensions(const std::string& builder) {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"csv", {".csv", ".tsv"}},
      {"json", {".json", ".jsonl", ".ndjson"}},
      {"parquet", {".parquet", ".geoparquet", ".gpq"}},
      {"arrow", {".arrow"}},
      {"text", {".txt"}},
      {"imagefolder", image_extensions()}};
  static const std::vector<std::string> none;
  auto it = m.find(builder);
  return it == m.end() ? none : it->second;
}

namespace {

const std::vector<std::string> kBuilders = {"csv", "json", "parquet", "arrow", "text", "imagefolder"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> all_extensions() {
  std::vector<std::string> all;
  for (const auto& b : kBuilders)
    for (const auto& e : builder_extensions(b)) all.push_back(e);
  return all;
}

std::string builder_of_extension(const std::string& ext) {
  for (const auto& b : kBuilders) {
    const auto& exts = builder_extensions(b);
    if (std::find(exts.begin(), exts.end(), ext) != exts.end()) return b;
  }
  return "";
}

// datasets' infer_module_for_data_files_list: the most common extension (every suffix of
// every name counts) that belongs to a builder; ties go to .parquet, .arrow, .jsonl,
// .json, .csv, then the alphabetically last.
std::string infer_builder(const ResolvedDataFiles& files, const std::string& where) {
  std::string builder;
  for (const auto& [split, paths] : files) {
    std::map<std::string, int64_t> counts;
    for (const auto& p : paths) {
      std::string name = fs::path(p).filename().string();
      for (size_t dot = name.find('.'); dot != std::string::npos;) {
        size_t next = name.find('.', dot + 1);
        ++counts[lower(name.substr(dot, next == std::string::npos ? std::string::npos : next - dot))];
        dot = next;
      }
    }
    static const std::vector<std::string> favourites = {".csv", ".json", ".jsonl", ".arrow", ".parquet"};
    auto rank = [&](const std::string& e) { return std::find(favourites.begin(), favourites.end(), e) - favourites.begin(); };
    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
      if (a.second != b.second) return a.second > b.second;
      const auto ra = rank(a.first), rb = rank(b.first);  // favourites.size() when not one
      const bool fa = ra < static_cast<long>(favourites.size()), fb = rb < static_cast<long>(favourites.size());
      if (fa != fb) return fa;
      if (fa) return ra > rb;
      return a.first > b.first;
    });
    std::string found;
    for (const auto& [ext, n] : sorted)
      if (!(found = builder_of_extension(ext)).empty()) break;
    if (found.empty()) throw IoError(where + ": split '" + split + "' has no supported data files");
    if (!builder.empty() && builder != found)
      throw FormatError(where + ": the splits hold different formats (" + builder + " and " + found + ")");
    builder = found;
  }
  if (builder.empty()) throw IoError(where + ": no supported data files found");
  return builder;
}

ResolvedDataFiles resolve_all(const DataFilePatterns& patterns, const std::string& base,
                              const std::vector<std::string>& allowed) {
  ResolvedDataFiles out;
  for (const auto& [split, list] : patterns) {
    std::vector<std::string> files;
    for (const auto& pattern : list) {
      try {
        for (auto& f : resolve_pattern(pattern, base, allowed)) files.push_back(std::move(f));
      } catch (const IoError&) {
        // datasets skips globs that match nothing but refuses a missing plain path.
        if (pattern.find_first_of("*?[") == std::string::npos) throw;
      }
    }
    if (files.empty()) throw IoError(base + ": no data files match the patterns of split '" + split + "'");
    out.emplace_back(split, std::move(files));
  }
  return out;
}

Dataset read_one(const std::string& builder, const std::string& file, char delimiter) {
  if (builder == "csv") {
    CsvOptions o;
    o.delimiter = delimiter;
    return read_csv(file, o);
  }
  if (builder == "json") return read_json(file);
  if (builder == "parquet") return Dataset(arrow::read_parquet(file));
  if (builder == "arrow") return read_arrow(file);
  return read_text(file);
}

// One Dataset per split: its files read in order and concatenated; every file must have
// the first file's columns and types.
DatasetDict build(const std::string& builder, const ResolvedDataFiles& files, char delimiter) {
  if (builder == "imagefolder") return build_imagefolder(files);
  DatasetDict out;
  for (const auto& [split, paths] : files) {
    std::vector<Dataset> parts;
    for (const auto& p : paths) {
      parts.push_back(read_one(builder, p, delimiter));
      try {
        concatenate_datasets({parts.front().slice(0, 0), parts.back().slice(0, 0)});
      } catch (const ShapeError& e) {
        throw FormatError(p + ": its columns differ from those of " + paths.front() + " (split '" + split + "'): " + e.what());
      }
    }
    out.splits.emplace_back(split, parts.size() == 1 ? parts[0] : concatenate_datasets(parts));
  }
  return out;
}

std::string absolute(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
  return (ec ? fs::absolute(p).lexically_normal() : abs).generic_string();
}

// A builder name: data_files as given, relative to data_dir (or the current folder).
DatasetDict load_packaged(const std::string& builder, const LoadDatasetOptions& o) {
  const std::string base = absolute(o.data_dir.empty() ? "." : o.data_dir);
  if (o.data_files.empty() && o.data_dir.empty())
    throw IoError("load_dataset('" + builder + "'): give data_files or data_dir");
  DataFilePatterns patterns = o.data_files.empty() ? infer_data_patterns(base) : o.data_files;
  return build(builder, resolve_all(patterns, base, {}), ',');
}

// A folder: the README.md `configs` entry, data_files, or the default split patterns.
DatasetDict load_folder(const std::string& folder, const LoadDatasetOptions& o) {
  if (!o.data_dir.empty() && fs::path(o.data_dir).is_absolute())
    throw IoError("data_dir must be relative to the dataset folder " + folder + ": " + o.data_dir);
  const std::string root = absolute(folder);
  std::string base = absolute(root + "/" + o.data_dir);
  DataFilePatterns patterns = o.data_files;
  if (patterns.empty() && o.data_dir.empty()) {
    if (auto config = card_config(root, o.name)) {
      patterns = config->data_files;
      if (!config->data_dir.empty()) base = absolute(root + "/" + config->data_dir);
    }
  }
  if (patterns.empty()) patterns = infer_data_patterns(base);
  ResolvedDataFiles files = resolve_all(patterns, base, all_extensions());
  const std::string builder = infer_builder(files, folder);
  // Keep the builder's own files (a folder of CSVs may hold a stray .txt).
  for (auto& [split, paths] : files) {
    const auto& exts = builder_extensions(builder);
    std::erase_if(paths, [&](const std::string& p) {
      std::string name = lower(fs::path(p).filename().string());
      return std::none_of(exts.begin(), exts.end(), [&](const std::string& e) { return name.find(e) != std::string::npos; });
    });
  }
  // A folder inferred from .tsv files reads them tab-separated, as datasets' module kwargs do.
  const bool tsv = builder == "csv" && lower(fs::path(files.front().second.front()).extension().string()) == ".tsv";
  return build(builder, files, tsv ? '\t' : ',');
}

// "org/name" or "name" that is not a local path: a Hub dataset repo id. A name ending in
// a data file extension is a missing file, not a repo.
bool looks_like_repo_id(const std::string& path) {
  if (path.empty() || path[0] == '/' || path[0] == '.' || path[0] == '~') return false;
  if (!builder_of_extension(lower(fs::path(path).extension().string())).empty()) return false;
  return std::count(path.begin(), path.end(), '/') <= 1;
}

}  // namespace

DatasetDict load_dataset(const std::string& path, const LoadDatasetOptions& options) {
  if (std::find(kBuilders.begin(), kBuilders.end(), path) != kBuilders.end()) return load_packaged(path, options);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return load_folder(path, options);
  if (fs::is_regular_file(path, ec) || path.find_first_of("*?[") != std::string::npos) {
    // A data file or a glob (a cuddle shorthand): data_files=path as the train split, read
    // by the builder the extensions name.
    LoadDatasetOptions o = options;
    o.data_files = data_files({path});
    return load_folder(".", o);
  }
  if (looks_like_repo_id(path)) return load_folder(download_dataset_repo(path, options.revision), options);
  throw IoError(path + ": no such dataset folder, file or builder (csv, json, parquet, arrow, text, imagefolder)");
}

Dataset load_dataset(const std::string& path, const std::string& split, const LoadDatasetOptions& options) {
  return select_split(load_dataset(path, options), split);
}

}  // namespace cuddle::datasets
