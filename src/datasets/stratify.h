// datasets' stratified train_test_split (utils/stratify.py, after scikit-learn's
// StratifiedShuffleSplit), used by Dataset::train_test_split.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/datasets.h"

namespace cuddle::datasets {

// (train rows, test rows) of `ds` with each class of the ClassLabel column `column` in
// proportion, drawn from default_rng(seed) exactly as datasets draws them.
std::pair<std::vector<int64_t>, std::vector<int64_t>> stratified_split_indices(const Dataset& ds, const std::string& column,
                                                                              int64_t n_train, int64_t n_test, uint64_t seed);

}  // namespace cuddle::datasets
