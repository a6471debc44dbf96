// Datasets with Hugging Face datasets' semantics (docs/datasets.md): a Dataset is an Arrow
// table (cuddle/arrow.h) plus typed Features; operations return new Datasets that share
// the buffers they do not change. Loaders read CSV, JSON (Lines or an array), text and
// Arrow files the way datasets' builders do; save_to_disk / load_from_disk use datasets'
// folder layout. shuffle and train_test_split reproduce datasets' row order for a seed.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/arrow.h"

namespace cuddle::datasets {

using arrow::Json;

// One feature as datasets spells it in dataset_info.json: Value(dtype), ClassLabel(names),
// List(feature, length) (what datasets >= 4 writes; "Sequence" is read as List),
// LargeList(feature), Image() and a struct, written as a plain object of its fields.
struct Feature {
  enum class Kind { Value, ClassLabel, List, LargeList, Struct, Image };
  Kind kind = Kind::Value;
  std::string dtype;                                   // Value: "int64", "float64", "string", ...
  std::vector<std::string> names;                      // ClassLabel
  std::shared_ptr<const Feature> item;                 // List, LargeList
  int64_t length = -1;                                 // List: fixed length, -1 variable
  // Struct, in order. Pointers: a vector of pairs holding Feature itself would need
  // Feature complete here.
  std::vector<std::pair<std::string, std::shared_ptr<const Feature>>> fields;

  static Feature value(std::string dtype);
  static Feature class_label(std::vector<std::string> names);
  static Feature list(Feature item, int64_t length = -1);
  // datasets' Image(): held as struct<bytes: binary, path: string> (a file path, or the
  // encoded bytes), decoded only when a row is read for use (image_at in cuddle/dataset_image.h).
  static Feature image();
};
using Features = std::vector<std::pair<std::string, Feature>>;

// The Arrow type that holds a feature (ClassLabel: int64; List with a length:
// fixed_size_list; Image: struct<bytes: binary, path: string>). Throws ShapeError for an unknown Value dtype.
arrow::TypePtr feature_type(const Feature& f);
// The feature datasets derives from an Arrow type (generate_from_arrow_type).
Feature feature_from_type(const arrow::DataType& t);
// datasets' JSON form ({"dtype": "int64", "_type": "Value"}, ...) in both directions;
// from_json throws FormatError naming `where` for what it does not know.
Json features_to_json(const Features& f);
Features features_from_json(const Json& j, const std::string& where);
// The features a table carries: its schema's "huggingface" metadata when present and
// matching, else derived from the Arrow types.
Features features_of(const arrow::Table& t);

class Dataset;
// Named splits in order ("train" then "test" for train_test_split).
struct DatasetDict {
  std::vector<std::pair<std::string, Dataset>> splits;
  // Throws ShapeError naming the splits there are when `name` is absent.
  const Dataset& operator[](const std::string& name) const;
};

struct MapOptions {
  bool batched = false;
  int64_t batch_size = 1000;  // batched only; <= 0: the whole dataset as one batch
  std::vector<std::string> remove_columns;
  // datasets' num_proc, as threads: batches run concurrently (the function must be safe to
  // call from several threads) and their outputs are joined in row order. <= 1: one thread.
  int num_threads = 1;
};

// train_test_split's arguments as datasets takes them. A size in (0, 1) is a fraction
// (test: ceil(size * n) rows, train: floor(size * n)), a whole number >= 1 a row count; an
// absent one is the rest (test_size 0.25 when both are absent).
struct TrainTestSplitOptions {
  std::optional<double> test_size, train_size;
  uint64_t seed = 0;
  // A ClassLabel column: each class keeps its share in both splits (datasets' stratified
  // split, after scikit-learn's StratifiedShuffleSplit).
  std::string stratify_by_column;
};

class Dataset {
 public:
  Dataset() = default;
  // Features from features_of(table).
  explicit Dataset(arrow::Table table);
  // Throws ShapeError when the features do not name the table's columns in order or
  // their Arrow types differ from the columns'.
  Dataset(arrow::Table table, Features features);
  // From row objects (what Dataset.from_list does): columns in first-appearance order,
  // types inferred as pyarrow infers them from Python values.
  static Dataset from_rows(const std::vector<Json>& rows);

  const arrow::Table& table() const { return table_; }
  const Features& features() const { return features_; }
  int64_t num_rows() const { return table_.num_rows; }
  std::vector<std::string> column_names() const;
  // Row i as {"column": value, ...} (value_to_json); throws ShapeError when out of range.
  Json row(int64_t i) const;
  // Every value of one column (Python's ds["col"]).
  std::vector<Json> column_values(const std::string& name) const;

  // Rows in the order of `indices`; throws ShapeError for an index out of range.
  Dataset select(const std::vector<int64_t>& indices) const;
  // Rows [begin, end) without copying.
  Dataset slice(int64_t begin, int64_t end) const;
  // Rows for which `keep(row)` is true, in order.
  Dataset filter(const std::function<bool(const Json& row)>& keep) const;
  // Batched (options.batched): `fn` receives batches of up to batch_size rows as a table
  // and returns columns to add or replace (any row count when every input column is
  // removed, else the batch's). Not batched: `fn` receives each row's table of one row.
  // Columns named in remove_columns are dropped from the input first, as datasets does;
  // unchanged columns keep their features. Throws ShapeError naming the batch whose
  // output has the wrong length or a column that does not exist.
  Dataset map(const std::function<arrow::Table(const arrow::Table& batch)>& fn, const MapOptions& options = {}) const;
  // with_indices=True: `fn` also receives the row indices of the batch.
  Dataset map_with_indices(const std::function<arrow::Table(const arrow::Table& batch, const std::vector<int64_t>& indices)>& fn,
                           const MapOptions& options = {}) const;
  // The row form of map: `fn` returns an object of columns to add or replace.
  Dataset map_rows(const std::function<Json(const Json& row)>& fn, const std::vector<std::string>& remove_columns = {}) const;

  Dataset rename_column(const std::string& from, const std::string& to) const;
  Dataset rename_columns(const std::vector<std::pair<std::string, std::string>>& renames) const;
  Dataset remove_columns(const std::vector<std::string>& names) const;
  Dataset select_columns(const std::vector<std::string>& names) const;

  // Rows ordered by `column`'s values (stable; nulls last in both directions, as datasets
  // sorts through pyarrow). Throws ShapeError for a column that does not exist.
  Dataset sort(const std::string& column, bool reverse = false) const;
  // Shard `index` of `num_shards` as datasets' contiguous shard(): consecutive rows, the
  // first num_rows % num_shards shards one row longer.
  Dataset shard(int64_t num_shards, int64_t index) const;

  // numpy.random.default_rng(seed).permutation(num_rows()) applied with select.
  Dataset shuffle(uint64_t seed) const;
  // datasets' train_test_split(test_size, seed=seed) with shuffle: n_test =
  // ceil(test_size * n) for 0 < test_size < 1, or test_size rows when >= 1;
  // test rows = permutation[:n_test], train rows = the rest. {"train", "test"}.
  DatasetDict train_test_split(double test_size, uint64_t seed) const;
  // The general form: train_size, test_size, stratify_by_column. Throws ShapeError with
  // datasets' reasons (sizes out of range, sizes adding up past the rows, an empty train
  // split, a stratify column that is not a ClassLabel or a class with one row).
  DatasetDict train_test_split(const TrainTestSplitOptions& options) const;
  // The column's values converted to `feature` as datasets' cast_column: numbers between
  // numeric types (a float to an integer only when whole), anything to string (Python's
  // str), strings (by name) or integers (in range) to a ClassLabel, string paths to an
  // Image. Throws ShapeError naming the row whose value does not convert.
  Dataset cast_column(const std::string& name, const Feature& feature) const;
  // The column's distinct values, sorted as strings, become a ClassLabel; values become
  // their indices (int64), nulls stay null.
  Dataset class_encode_column(const std::string& name) const;

 private:
  // Column `c` replaced by `array` (one chunk) holding `feature`.
  Dataset replace_column(int c, arrow::ArrayPtr array, Feature feature) const;
  arrow::Table table_;
  Features features_;
};

// The rows of each dataset in turn; every dataset must have the same column names, Arrow
// types and features (ShapeError naming the first that differs).
Dataset concatenate_datasets(const std::vector<Dataset>& parts);

// Loaders (datasets' builders of the same names). Each throws FormatError naming the
// file and the line (or row) that is wrong.
struct CsvOptions {
  char delimiter = ',';
  // No header row: columns are named `column_names` (or "0", "1", ... as pandas does).
  bool header = true;
  std::vector<std::string> column_names;
};
// RFC 4180 (quoted fields, "" escapes, newlines and delimiters inside quotes, CRLF),
// blank lines skipped, types inferred per column as datasets gets them through pandas:
// int64; double (also ints with missing values, as pandas makes them); bool
// (True/true/TRUE, False/false/FALSE); otherwise string. Empty fields and pandas' NA
// spellings ("NA", "null", "NaN", "N/A", ...) are nulls. A row with a different number
// of fields than the header is an error.
Dataset read_csv(const std::string& path, const CsvOptions& options = {});
Dataset parse_csv(std::string_view text, const std::string& what, const CsvOptions& options = {});
// JSON Lines (one object a line, blank lines skipped) or one JSON array of objects.
// Types as pyarrow infers them; every key of every row becomes a column (JSON Lines) /
// the first row's keys (a JSON array, as pa.Table.from_pylist).
Dataset read_json(const std::string& path);
Dataset parse_json(std::string_view text, const std::string& what);
// One "text" row per line (Python's str.splitlines, line breaks dropped).
Dataset read_text(const std::string& path);
Dataset parse_text(std::string_view text);
// An Arrow IPC stream or file.
Dataset read_arrow(const std::string& path);
// By extension: .csv, .tsv (tab-delimited), .json / .jsonl, .txt, .arrow, .parquet; a folder
// written by save_to_disk.
Dataset load_file(const std::string& path);

// Writers: JSON Lines (one object a line, keys in column order, dates and timestamps as
// ISO 8601 strings, nulls as null) and CSV (header, RFC 4180 quoting where needed,
// empty fields for nulls). Atomic (temporary file + rename).
void write_json_lines(const Dataset& ds, const std::string& path);
void write_csv(const Dataset& ds, const std::string& path);
// By OUT's extension (.arrow, .parquet, .jsonl / .json, .csv) or, for anything else, a folder
// written by save_to_disk.
void save_file(const Dataset& ds, const std::string& out);

// The dataset's table with its features in the schema's "huggingface" metadata, as
// datasets writes Arrow files (read back by features_of).
arrow::Table table_with_features(const Dataset& ds);

// datasets' folder format: data-00000-of-00001.arrow (Arrow stream with the features in
// its "huggingface" schema metadata), dataset_info.json, state.json.
void save_to_disk(const Dataset& ds, const std::string& dir);
Dataset load_from_disk(const std::string& dir);
// A DatasetDict: dataset_dict.json listing the splits, one save_to_disk folder each.
void save_to_disk(const DatasetDict& dd, const std::string& dir);
DatasetDict load_dataset_dict_from_disk(const std::string& dir);

// numpy's default_rng(seed).permutation(n): SeedSequence(seed) -> PCG64 -> Fisher-Yates
// with numpy's bounded integers (random_interval).
std::vector<int64_t> numpy_permutation(uint64_t seed, int64_t n);

}  // namespace cuddle::datasets
