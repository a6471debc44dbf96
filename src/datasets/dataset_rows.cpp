// Row order and row sets: sort, shard and concatenate_datasets.
#include <algorithm>
#include <numeric>

#include "cuddle/datasets.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

Dataset Dataset::sort(const std::string& column, bool reverse) const {
  std::vector<Json> keys = column_values(column);
  std::vector<int64_t> order(keys.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const Json& x = keys[static_cast<size_t>(a)];
    const Json& y = keys[static_cast<size_t>(b)];
    if (x.is_null() || y.is_null()) return !x.is_null() && y.is_null();  // nulls last
    return reverse ? y < x : x < y;
  });
  return select(order);
}

Dataset Dataset::shard(int64_t num_shards, int64_t index) const {
  if (num_shards <= 0 || index < 0 || index >= num_shards)
    throw ShapeError("shard: index " + std::to_string(index) + " out of range for " + std::to_string(num_shards) + " shards");
  const int64_t div = num_rows() / num_shards, mod = num_rows() % num_shards;
  const int64_t start = div * index + std::min(index, mod);
  return slice(start, start + div + (index < mod ? 1 : 0));
}

Dataset concatenate_datasets(const std::vector<Dataset>& parts) {
  if (parts.empty()) throw ShapeError("concatenate_datasets: no datasets given");
  std::vector<arrow::Table> tables;
  const Json features = features_to_json(parts[0].features());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (features_to_json(parts[i].features()) != features)
      throw ShapeError("concatenate_datasets: dataset " + std::to_string(i) + " has features " +
                       features_to_json(parts[i].features()).dump() + ", dataset 0 " + features.dump());
    tables.push_back(parts[i].table());
  }
  return Dataset(arrow::concat_tables(tables), parts[0].features());
}

}  // namespace cuddle::datasets
