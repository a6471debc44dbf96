// load_dataset as Hugging Face datasets has it (docs/datasets.md): a builder name (csv,
// json, parquet, arrow, text, imagefolder) with data_files / data_dir, a local folder or
// file whose splits are inferred from file and folder names, or a Hub dataset repo read
// through the huggingface_hub cache; split expressions ("train[:10%]+test") resolved as
// datasets' ReadInstruction resolves them.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/datasets.h"

namespace cuddle::datasets {

// data_files as datasets accepts them, after sanitize_patterns: split name -> paths or
// glob patterns, relative to the base folder (the dataset folder, data_dir or the
// current directory). A single path, glob or list is {"train": [...]}.
using DataFilePatterns = std::vector<std::pair<std::string, std::vector<std::string>>>;
DataFilePatterns data_files(std::vector<std::string> patterns);  // {"train": patterns}

struct LoadDatasetOptions {
  DataFilePatterns data_files;  // empty: inferred from the folder's file names
  std::string data_dir;         // relative to the dataset folder (or the current directory)
  std::string revision = "main";  // Hub repos: branch, tag or commit
  std::string name;               // Hub / folder with a README.md: the `configs` entry (empty: the default one)
};

// Every split, in datasets' order (the data_files order, or train, validation, test then the
// others sorted when inferred). `path` is a builder name, a local folder, a data file or a
// Hub dataset repo id ("org/name"). Throws IoError / FormatError naming the pattern, file
// or split that is wrong.
DatasetDict load_dataset(const std::string& path, const LoadDatasetOptions& options = {});
// One split expression of it ("train", "train[:10%]", "train[10:20]+test"), rows concatenated.
Dataset load_dataset(const std::string& path, const std::string& split, const LoadDatasetOptions& options = {});

// ---- pieces of load_dataset, public for the command line and tests ----------------------

// Files matching a glob as datasets' resolve_pattern matches them (fsspec >= 2023.12, like
// Python's glob): '*' and '?' within a name, [..] classes, '**' as a whole segment for any
// number of folders; hidden (.x) and special (__x) files and folders skipped unless the
// pattern names them; README.md, dataset_info.json and the like skipped unless named.
// Sorted. A relative pattern is joined to `base`. Empty result: IoError naming the pattern.
// `allowed_extensions` (".csv", ...; empty: any) keeps files with one of them among their
// suffixes.
std::vector<std::string> resolve_pattern(const std::string& pattern, const std::string& base,
                                         const std::vector<std::string>& allowed_extensions = {});
// datasets' get_data_patterns: the split patterns a folder's file names select (sharded
// data/{split}-00000-of-00001.*, then split names in folder names, then in file names,
// else everything as "train"). Throws IoError when the folder holds no data file.
DataFilePatterns infer_data_patterns(const std::string& base);

// One part of a split expression resolved: rows [begin, end) of `split`.
struct SplitSlice {
  std::string split;
  int64_t begin = 0, end = 0;
};
// ReadInstruction.from_spec(spec).to_absolute(sizes): percent bounds rounded to the closest
// row (half to even) or with (pct1_dropremainder); negative bounds from the end; bounds
// clamped to the split. Throws ShapeError naming the spec for a malformed expression, an
// unknown split, a percent past 100, or an end before the start.
std::vector<SplitSlice> resolve_split_spec(const std::string& spec,
                                           const std::vector<std::pair<std::string, int64_t>>& split_rows);
// The rows a split expression selects from `dd`, concatenated in order.
Dataset select_split(const DatasetDict& dd, const std::string& spec);

}  // namespace cuddle::datasets
