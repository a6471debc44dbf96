// Formats for reading: Tensors as datasets' torch formatter builds them (integers int64,
// floats float32, equal-length lists stacked), and transforms applied on read.
#include "cuddle/dataset_format.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

namespace {

enum class Kind { Int, Float, Bool };

// Flattens `v` (a number, bool or nested list) into `out`, recording the shape of its
// lists in `shape` (first value) or checking it (later values).
void flatten(const Json& v, size_t depth, std::vector<int64_t>& shape, bool first, std::vector<Json>& out,
             const std::string& where) {
  if (v.is_array()) {
    if (first && depth == shape.size()) shape.push_back(static_cast<int64_t>(v.size()));
    if (depth >= shape.size() || shape[depth] != static_cast<int64_t>(v.size()))
      throw ShapeError(where + ": lists of different lengths do not stack into one tensor");
    for (const auto& x : v) flatten(x, depth + 1, shape, first && &x == &v.front(), out, where);
    return;
  }
  if (depth != shape.size()) throw ShapeError(where + ": lists of different depths do not stack into one tensor");
  if (v.is_null()) throw ShapeError(where + ": a null value has no tensor form");
  if (!v.is_number() && !v.is_boolean()) throw ShapeError(where + ": " + v.dump() + " is not a number");
  out.push_back(v);
}

Tensor column_tensor(const Dataset& ds, const std::string& name, int64_t begin, int64_t end) {
  const std::string where = "column '" + name + "'";
  const Feature* feature = nullptr;
  for (const auto& [n, f] : ds.features())
    if (n == name) feature = &f;
  if (!feature) ds.table().column(name);  // throws, listing the columns
  std::vector<int64_t> item_shape;
  std::vector<Json> values;
  const arrow::Column& col = ds.table().column(name);
  for (int64_t r = begin; r < end; ++r) {
    auto [chunk, i] = col.locate(r);
    flatten(arrow::value_to_json(*chunk, i), 0, item_shape, r == begin, values, where + " row " + std::to_string(r));
  }
  // The kind follows the values: any float makes the tensor float32, as torch.tensor does.
  Kind kind = Kind::Bool;
  for (const auto& v : values) {
    if (v.is_number_float()) kind = Kind::Float;
    else if (v.is_number() && kind == Kind::Bool) kind = Kind::Int;
  }
  Shape shape = {end - begin};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  if (kind == Kind::Float) {
    std::vector<float> f;
    for (const auto& v : values) f.push_back(v.is_boolean() ? static_cast<float>(v.get<bool>()) : v.get<float>());
    return Tensor::from_vector(f, shape);
  }
  if (kind == Kind::Int) {
    std::vector<int64_t> x;
    for (const auto& v : values) x.push_back(v.is_boolean() ? static_cast<int64_t>(v.get<bool>()) : v.get<int64_t>());
    return Tensor::from_vector(x, shape);
  }
  std::vector<bool> b;
  for (const auto& v : values) b.push_back(v.get<bool>());
  return Tensor::from_vector(b, shape);
}

void check_range(int64_t begin, int64_t end, int64_t n) {
  if (begin < 0 || end < begin || end > n)
    throw ShapeError("rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") out of range: the dataset has " +
                     std::to_string(n) + " rows");
}

}  // namespace

TensorBatch to_tensors(const Dataset& ds, int64_t begin, int64_t end, const std::vector<std::string>& columns) {
  check_range(begin, end, ds.num_rows());
  TensorBatch out;
  for (const auto& name : columns.empty() ? ds.column_names() : columns)
    out.emplace_back(name, column_tensor(ds, name, begin, end));
  return out;
}

TensorView::TensorView(Dataset ds, std::vector<std::string> columns) : ds_(std::move(ds)), columns_(std::move(columns)) {
  for (const auto& c : columns_) ds_.table().column(c);  // an unknown column fails here, not on first read
}

arrow::Table TransformedDataset::batch(int64_t begin, int64_t end) const {
  check_range(begin, end, ds_.num_rows());
  return fn_(arrow::slice_rows(ds_.table(), begin, end));
}

Json TransformedDataset::row(int64_t i) const {
  const arrow::Table t = batch(i, i + 1);
  Json out = Json::object();
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (t.columns[c].length() != 1)
      throw ShapeError("with_transform: the transform returned " + std::to_string(t.columns[c].length()) +
                       " values of '" + t.schema.fields[c].name + "' for one row");
    auto [chunk, k] = t.columns[c].locate(0);
    out[t.schema.fields[c].name] = arrow::value_to_json(*chunk, k);
  }
  return out;
}

}  // namespace cuddle::datasets
