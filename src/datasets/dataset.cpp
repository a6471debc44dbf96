// Dataset: construction, row access and the operations that pick rows or columns.
#include <algorithm>
#include <set>

#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "python_text.h"

namespace cuddle::datasets {

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The table's schema metadata without datasets' features entry, which describes columns
// that an operation may have changed (save_to_disk writes a fresh one).
arrow::KeyValues metadata_without_features(const arrow::KeyValues& kvs) {
  arrow::KeyValues out;
  for (const auto& kv : kvs)
    if (kv.first != "huggingface") out.push_back(kv);
  return out;
}

}  // namespace

const Dataset& DatasetDict::operator[](const std::string& name) const {
  std::vector<std::string> names;
  for (const auto& [n, ds] : splits) {
    if (n == name) return ds;
    names.push_back(n);
  }
  throw ShapeError("split '" + name + "' not found; the splits are: " + join_names(names));
}

Dataset::Dataset(arrow::Table table) : table_(std::move(table)) {
  features_ = features_of(table_);
  table_.schema.metadata = metadata_without_features(table_.schema.metadata);
}

Dataset::Dataset(arrow::Table table, Features features) : table_(std::move(table)), features_(std::move(features)) {
  table_.schema.metadata = metadata_without_features(table_.schema.metadata);
  if (features_.size() != table_.schema.fields.size())
    throw ShapeError("features name " + std::to_string(features_.size()) + " columns, the table has " +
                     std::to_string(table_.schema.fields.size()));
  for (size_t i = 0; i < features_.size(); ++i) {
    const arrow::Field& f = table_.schema.fields[i];
    if (features_[i].first != f.name)
      throw ShapeError("feature " + std::to_string(i) + " is '" + features_[i].first + "', the column '" + f.name + "'");
    auto want = feature_type(features_[i].second);
    if (!arrow::type_equals(*want, *f.type))
      throw ShapeError("column '" + f.name + "' is " + arrow::type_to_string(*f.type) + ", its feature needs " +
                       arrow::type_to_string(*want));
  }
}

Dataset Dataset::from_rows(const std::vector<Json>& rows) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].is_object()) throw ShapeError("row " + std::to_string(r) + " is not an object: " + rows[r].dump());
    for (const auto& [k, _] : rows[r].items())
      if (seen.insert(k).second) names.push_back(k);
  }
  static const Json null_value = nullptr;
  std::vector<arrow::Field> fields;
  std::vector<arrow::ArrayPtr> arrays;
  for (const auto& name : names) {
    std::vector<const Json*> values;
    for (const auto& row : rows) {
      auto it = row.find(name);
      values.push_back(it == row.end() ? &null_value : &*it);
    }
    try {
      arrays.push_back(arrow::array_from_json(values));
    } catch (const ShapeError& e) {
      throw ShapeError("column '" + name + "': " + e.what());
    }
    fields.push_back(arrow::Field{name, arrays.back()->type, true, {}});
  }
  return Dataset(arrow::make_table(std::move(fields), std::move(arrays)));
}

std::vector<std::string> Dataset::column_names() const {
  std::vector<std::string> out;
  for (const auto& f : table_.schema.fields) out.push_back(f.name);
  return out;
}

Json Dataset::row(int64_t i) const {
  if (i < 0 || i >= num_rows())
    throw ShapeError("row " + std::to_string(i) + " out of range for " + std::to_string(num_rows()) + " rows");
  Json out = Json::object();
  for (size_t c = 0; c < table_.columns.size(); ++c) {
    auto [chunk, k] = table_.columns[c].locate(i);
    out[table_.schema.fields[c].name] = arrow::value_to_json(*chunk, k);
  }
  return out;
}

std::vector<Json> Dataset::column_values(const std::string& name) const {
  const arrow::Column& col = table_.column(name);
  std::vector<Json> out;
  out.reserve(static_cast<size_t>(num_rows()));
  for (const auto& chunk : col.chunks)
    for (int64_t i = 0; i < chunk->length; ++i) out.push_back(arrow::value_to_json(*chunk, i));
  return out;
}

Dataset Dataset::select(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices)
    if (i < 0 || i >= num_rows())
      throw ShapeError("select: index " + std::to_string(i) + " out of range for " + std::to_string(num_rows()) + " rows");
  return Dataset(arrow::take_rows(table_, indices), features_);
}

Dataset Dataset::slice(int64_t begin, int64_t end) const {
  return Dataset(arrow::slice_rows(table_, begin, end), features_);
}

Dataset Dataset::filter(const std::function<bool(const Json& row)>& keep) const {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < num_rows(); ++i)
    if (keep(row(i))) rows.push_back(i);
  return select(rows);
}

Dataset Dataset::rename_columns(const std::vector<std::pair<std::string, std::string>>& renames) const {
  arrow::Table t = table_;
  Features f = features_;
  for (const auto& [from, to] : renames) {
    int i = t.schema.index_of(from);
    if (i < 0) throw ShapeError("rename: column '" + from + "' not found; the dataset has: " + join_names(column_names()));
    if (from != to && t.schema.index_of(to) >= 0) throw ShapeError("rename: column '" + to + "' already exists");
    if (to.empty()) throw ShapeError("rename: the new name of '" + from + "' is empty");
    t.schema.fields[static_cast<size_t>(i)].name = to;
    f[static_cast<size_t>(i)].first = to;
  }
  return Dataset(std::move(t), std::move(f));
}

Dataset Dataset::rename_column(const std::string& from, const std::string& to) const {
  return rename_columns({{from, to}});
}

Dataset Dataset::remove_columns(const std::vector<std::string>& names) const {
  for (const auto& n : names)
    if (table_.schema.index_of(n) < 0)
      throw ShapeError("remove_columns: column '" + n + "' not found; the dataset has: " + join_names(column_names()));
  std::vector<std::string> keep;
  for (const auto& n : column_names())
    if (std::find(names.begin(), names.end(), n) == names.end()) keep.push_back(n);
  return select_columns(keep);
}

Dataset Dataset::select_columns(const std::vector<std::string>& names) const {
  arrow::Table t;
  t.schema.metadata = table_.schema.metadata;
  t.num_rows = table_.num_rows;
  Features f;
  for (const auto& n : names) {
    int i = table_.schema.index_of(n);
    if (i < 0) throw ShapeError("column '" + n + "' not found; the dataset has: " + join_names(column_names()));
    t.schema.fields.push_back(table_.schema.fields[static_cast<size_t>(i)]);
    t.columns.push_back(table_.columns[static_cast<size_t>(i)]);
    f.push_back(features_[static_cast<size_t>(i)]);
  }
  return Dataset(std::move(t), std::move(f));
}

Dataset Dataset::class_encode_column(const std::string& name) const {
  int c = table_.schema.index_of(name);
  if (c < 0) throw ShapeError("class_encode_column: column '" + name + "' not found; the dataset has: " + join_names(column_names()));
  const Feature& src = features_[static_cast<size_t>(c)].second;
  if (src.kind != Feature::Kind::Value)
    throw ShapeError("class_encode_column: column '" + name + "' is not a Value feature; only Value columns can be encoded");
  std::vector<Json> values = column_values(name);
  std::set<std::string> distinct;
  for (const auto& v : values)
    if (!v.is_null()) distinct.insert(python_str(v));
  std::vector<std::string> names(distinct.begin(), distinct.end());  // std::set orders bytes as Python orders str
  arrow::ArrayBuilder b(arrow::int64());
  for (const auto& v : values) {
    if (v.is_null()) b.append_null();
    else b.append_int(std::lower_bound(names.begin(), names.end(), python_str(v)) - names.begin());
  }
  return replace_column(c, b.finish(), Feature::class_label(std::move(names)));
}

Dataset Dataset::replace_column(int c, arrow::ArrayPtr array, Feature feature) const {
  arrow::Table t = table_;
  t.schema.fields[static_cast<size_t>(c)].type = array->type;
  t.columns[static_cast<size_t>(c)] = arrow::Column{array->type, {std::move(array)}};
  Features f = features_;
  f[static_cast<size_t>(c)].second = std::move(feature);
  return Dataset(std::move(t), std::move(f));
}

}  // namespace cuddle::datasets
