// Dataset.map: run a function over batches (or rows) and merge what it returns into the
// dataset the way datasets does: removed columns go first, returned columns replace
// those of the same name in place, new ones are appended.
#include <atomic>
#include <mutex>
#include <numeric>
#include <thread>

#include "cuddle/datasets.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

namespace {

// `out` (one column per output, chunks of every batch) merged into `base`.
Dataset merge_outputs(const Dataset& base, const arrow::Table& out) {
  if (out.num_columns() == 0) return base;
  const arrow::Table& in = base.table();
  if (in.num_columns() > 0 && out.num_rows != in.num_rows)
    throw ShapeError("map: the function returned " + std::to_string(out.num_rows) + " rows for " +
                     std::to_string(in.num_rows) + " input rows; remove every input column (remove_columns) to change the row count");
  arrow::Table t;
  t.schema.metadata = in.schema.metadata;
  t.num_rows = out.num_rows;
  Features features;
  std::vector<bool> used(static_cast<size_t>(out.num_columns()), false);
  for (size_t c = 0; c < in.columns.size(); ++c) {
    const arrow::Field& f = in.schema.fields[c];
    int o = out.schema.index_of(f.name);
    if (o < 0) {
      t.schema.fields.push_back(f);
      t.columns.push_back(in.columns[c]);
      features.push_back(base.features()[c]);
      continue;
    }
    used[static_cast<size_t>(o)] = true;
    const arrow::Field& nf = out.schema.fields[static_cast<size_t>(o)];
    t.schema.fields.push_back(nf);
    t.columns.push_back(out.columns[static_cast<size_t>(o)]);
    // A column that keeps its Arrow type keeps its feature (a ClassLabel stays one).
    features.emplace_back(f.name, arrow::type_equals(*nf.type, *f.type) ? base.features()[c].second
                                                                        : feature_from_type(*nf.type));
  }
  for (size_t o = 0; o < used.size(); ++o) {
    if (used[o]) continue;
    t.schema.fields.push_back(out.schema.fields[o]);
    t.columns.push_back(out.columns[o]);
    features.emplace_back(out.schema.fields[o].name, feature_from_type(*out.schema.fields[o].type));
  }
  return Dataset(std::move(t), std::move(features));
}

// Appends batch `b`'s output to `acc`, checking that every batch returns the same columns
// with the same types and every column the same number of rows.
void append_batch(arrow::Table& acc, const arrow::Table& b, int64_t first_row, bool first) {
  const std::string where = "map: the batch starting at row " + std::to_string(first_row);
  for (size_t c = 0; c < b.columns.size(); ++c)
    if (b.columns[c].length() != b.num_rows)
      throw ShapeError(where + " returned column '" + b.schema.fields[c].name + "' with " +
                       std::to_string(b.columns[c].length()) + " rows, the others " + std::to_string(b.num_rows));
  if (first) {
    acc = b;
    return;
  }
  bool same = b.schema.fields.size() == acc.schema.fields.size();
  for (size_t c = 0; same && c < b.schema.fields.size(); ++c)
    same = b.schema.fields[c].name == acc.schema.fields[c].name &&
           arrow::type_equals(*b.schema.fields[c].type, *acc.schema.fields[c].type);
  if (!same) throw ShapeError(where + " returned different columns or types than the first batch");
  for (size_t c = 0; c < b.columns.size(); ++c)
    for (const auto& chunk : b.columns[c].chunks) acc.columns[c].chunks.push_back(chunk);
  acc.num_rows += b.num_rows;
}

}  // namespace

Dataset Dataset::map(const std::function<arrow::Table(const arrow::Table& batch)>& fn, const MapOptions& options) const {
  return map_with_indices([&](const arrow::Table& batch, const std::vector<int64_t>&) { return fn(batch); }, options);
}

Dataset Dataset::map_with_indices(
    const std::function<arrow::Table(const arrow::Table& batch, const std::vector<int64_t>& indices)>& fn,
    const MapOptions& options) const {
  Dataset base = remove_columns(options.remove_columns);
  const int64_t n = num_rows();
  const int64_t step = !options.batched ? 1 : options.batch_size <= 0 ? std::max<int64_t>(n, 1) : options.batch_size;
  const int64_t num_batches = (n + step - 1) / step;
  std::vector<arrow::Table> outputs(static_cast<size_t>(num_batches));
  auto run = [&](int64_t k) {
    const int64_t b = k * step, e = std::min(n, b + step);
    std::vector<int64_t> indices(static_cast<size_t>(e - b));
    std::iota(indices.begin(), indices.end(), b);
    // The function sees every input column, removed ones included, as in datasets.
    outputs[static_cast<size_t>(k)] = fn(arrow::slice_rows(table_, b, e), indices);
  };
  const int threads = static_cast<int>(std::min<int64_t>(std::max(options.num_threads, 1), num_batches));
  if (threads <= 1) {
    for (int64_t k = 0; k < num_batches; ++k) run(k);
  } else {
    // num_proc as threads: batches handed out in order; the first failure is rethrown
    // (the others stop taking batches).
    std::atomic<int64_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        for (int64_t k; (k = next++) < num_batches;) {
          try {
            run(k);
          } catch (...) {
            std::lock_guard<std::mutex> lock(failure_mutex);
            if (!failure) failure = std::current_exception();
            next = num_batches;
          }
        }
      });
    for (auto& th : pool) th.join();
    if (failure) std::rethrow_exception(failure);
  }
  arrow::Table out;
  for (int64_t k = 0; k < num_batches; ++k) append_batch(out, outputs[static_cast<size_t>(k)], k * step, k == 0);
  return merge_outputs(base, out);
}

Dataset Dataset::map_rows(const std::function<Json(const Json& row)>& fn, const std::vector<std::string>& remove_columns) const {
  Dataset base = this->remove_columns(remove_columns);
  std::vector<Json> outputs;
  outputs.reserve(static_cast<size_t>(num_rows()));
  for (int64_t i = 0; i < num_rows(); ++i) {
    outputs.push_back(fn(row(i)));
    if (!outputs.back().is_object())
      throw ShapeError("map: the function returned " + outputs.back().dump() + " for row " + std::to_string(i) +
                       "; it must return an object of columns");
  }
  arrow::Table out = from_rows(outputs).table();
  out.num_rows = num_rows();
  return merge_outputs(base, out);
}

}  // namespace cuddle::datasets
