// Choosing a reader or writer from a path: its extension, or a save_to_disk folder.
#include <filesystem>

#include "cuddle/datasets.h"
#include "cuddle/error.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {

namespace {

std::string extension(const std::string& path) {
  std::string e = fs::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

}  // namespace

Dataset read_arrow(const std::string& path) { return Dataset(arrow::read_ipc(path)); }

Dataset load_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return load_from_disk(path);
  const std::string e = extension(path);
  if (e == ".csv") return read_csv(path);
  if (e == ".tsv") {
    CsvOptions tsv;
    tsv.delimiter = '\t';
    return read_csv(path, tsv);
  }
  if (e == ".json" || e == ".jsonl") return read_json(path);
  if (e == ".txt") return read_text(path);
  if (e == ".arrow") return read_arrow(path);
  if (e == ".parquet") return Dataset(arrow::read_parquet(path));
  throw FormatError(path + ": unknown dataset format '" + e +
                    "' (expected .csv, .tsv, .json, .jsonl, .txt, .arrow, .parquet or a save_to_disk folder)");
}

void save_file(const Dataset& ds, const std::string& out) {
  const std::string e = extension(out);
  if (e == ".arrow") return arrow::write_ipc_stream(table_with_features(ds), out);
  if (e == ".json" || e == ".jsonl") return write_json_lines(ds, out);
  if (e == ".csv") return write_csv(ds, out);
  if (e == ".parquet") return arrow::write_parquet(table_with_features(ds), out);
  save_to_disk(ds, out);
}

}  // namespace cuddle::datasets
