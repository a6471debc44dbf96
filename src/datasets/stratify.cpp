// Stratified splits as datasets draws them: per class, the "approximate mode" of a
// multivariate hypergeometric draw decides how many rows go to train and to test (floors
// of the proportional shares, the rows left over given to the largest remainders, ties
// broken by choice without replacement); each class's rows are then permuted and cut, and
// both splits permuted once more. Every draw comes from one default_rng(seed), in
// datasets' order, so the rows match.
#include <algorithm>
#include <cmath>
#include <map>

#include "cuddle/error.h"
#include "datasets/numpy_random.h"
#include "datasets/stratify.h"

namespace cuddle::datasets {

namespace {

std::vector<int64_t> approximate_mode(const std::vector<int64_t>& class_counts, int64_t n_draws, NumpyGenerator& rng) {
  int64_t total = 0;
  for (int64_t c : class_counts) total += c;
  std::vector<double> continuous(class_counts.size()), floored(class_counts.size());
  double floored_sum = 0;
  for (size_t i = 0; i < class_counts.size(); ++i) {
    continuous[i] = static_cast<double>(n_draws * class_counts[i]) / static_cast<double>(total);
    floored[i] = std::floor(continuous[i]);
    floored_sum += floored[i];
  }
  auto need = static_cast<int64_t>(static_cast<double>(n_draws) - floored_sum);
  if (need > 0) {
    std::vector<double> remainder(class_counts.size());
    for (size_t i = 0; i < remainder.size(); ++i) remainder[i] = continuous[i] - floored[i];
    std::vector<double> values = remainder;
    std::sort(values.begin(), values.end(), std::greater<>());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (double value : values) {
      std::vector<int64_t> inds;
      for (size_t i = 0; i < remainder.size(); ++i)
        if (remainder[i] == value) inds.push_back(static_cast<int64_t>(i));
      const int64_t add_now = std::min<int64_t>(static_cast<int64_t>(inds.size()), need);
      for (int64_t k : rng.choice_without_replacement(static_cast<int64_t>(inds.size()), add_now))
        floored[static_cast<size_t>(inds[static_cast<size_t>(k)])] += 1;
      need -= add_now;
      if (need == 0) break;
    }
  }
  std::vector<int64_t> out(floored.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(floored[i]);
  return out;
}

}  // namespace

std::pair<std::vector<int64_t>, std::vector<int64_t>> stratified_split_indices(const Dataset& ds, const std::string& column,
                                                                              int64_t n_train, int64_t n_test, uint64_t seed) {
  const Feature* feature = nullptr;
  for (const auto& [name, f] : ds.features())
    if (name == column) feature = &f;
  if (!feature) ds.table().column(column);  // throws, listing the columns
  if (feature->kind != Feature::Kind::ClassLabel)
    throw ShapeError("train_test_split: stratify_by_column '" + column + "' is not a ClassLabel column (class_encode_column makes one)");
  // np.unique(y, return_inverse=True): classes in sorted order, each row's class index.
  const std::vector<Json> y = ds.column_values(column);
  std::map<int64_t, int64_t> class_of;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!y[i].is_number_integer())
      throw ShapeError("train_test_split: row " + std::to_string(i) + " of '" + column + "' has no label");
    class_of[y[i].get<int64_t>()] = 0;
  }
  int64_t k = 0;
  for (auto& [label, index] : class_of) index = k++;
  const auto n_classes = static_cast<int64_t>(class_of.size());
  // Rows of each class in row order (argsort with a stable sort).
  std::vector<std::vector<int64_t>> class_rows(static_cast<size_t>(n_classes));
  for (size_t i = 0; i < y.size(); ++i) class_rows[static_cast<size_t>(class_of[y[i].get<int64_t>()])].push_back(static_cast<int64_t>(i));
  std::vector<int64_t> counts;
  for (const auto& rows : class_rows) counts.push_back(static_cast<int64_t>(rows.size()));
  if (*std::min_element(counts.begin(), counts.end()) < 2)
    throw ShapeError("train_test_split: the least populated class in '" + column +
                     "' has only 1 row; stratifying needs at least 2 per class");
  if (n_train < n_classes || n_test < n_classes)
    throw ShapeError("train_test_split: train (" + std::to_string(n_train) + " rows) and test (" + std::to_string(n_test) +
                     " rows) must each hold at least one row of each of the " + std::to_string(n_classes) + " classes");

  NumpyGenerator rng(seed);
  const std::vector<int64_t> n_i = approximate_mode(counts, n_train, rng);
  std::vector<int64_t> remaining(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) remaining[i] = counts[i] - n_i[i];
  const std::vector<int64_t> t_i = approximate_mode(remaining, n_test, rng);
  std::vector<int64_t> train, test;
  for (size_t c = 0; c < class_rows.size(); ++c) {
    const std::vector<int64_t> perm = rng.permutation(counts[c]);
    for (int64_t j = 0; j < n_i[c] + t_i[c]; ++j)
      (j < n_i[c] ? train : test).push_back(class_rows[c][static_cast<size_t>(perm[static_cast<size_t>(j)])]);
  }
  rng.shuffle(train);
  rng.shuffle(test);
  return {std::move(train), std::move(test)};
}

}  // namespace cuddle::datasets
