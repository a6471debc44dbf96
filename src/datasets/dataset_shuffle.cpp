// shuffle and train_test_split with datasets' row order: both draw
// numpy.random.default_rng(seed).permutation(n) (numpy_random.cpp); the split sizes follow
// datasets' train_test_split (fractions: test rounded up, train rounded down).
#include <cmath>

#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "datasets/stratify.h"

namespace cuddle::datasets {

namespace {

std::string size_text(double v) {
  std::string s = std::to_string(v);
  return v == std::floor(v) ? std::to_string(static_cast<int64_t>(v)) : s;
}

// Rows a size asks for: a fraction in (0, 1) rounded by `round`, a whole number >= 1 as is.
// Python tells ints from floats; here a whole number >= 1 is a count.
int64_t rows_of(double size, int64_t n, const char* what, double (*round)(double)) {
  const bool count = size >= 1 && size == std::floor(size);
  if (count ? size >= static_cast<double>(n) : !(size > 0 && size < 1))
    throw ShapeError(std::string("train_test_split: ") + what + "=" + size_text(size) +
                     " should be either positive and smaller than the number of rows " + std::to_string(n) +
                     " or a fraction in (0, 1)");
  return count ? static_cast<int64_t>(size) : static_cast<int64_t>(round(size * static_cast<double>(n)));
}

}  // namespace

Dataset Dataset::shuffle(uint64_t seed) const { return select(numpy_permutation(seed, num_rows())); }

DatasetDict Dataset::train_test_split(double test_size, uint64_t seed) const {
  TrainTestSplitOptions o;
  o.test_size = test_size;
  o.seed = seed;
  return train_test_split(o);
}

DatasetDict Dataset::train_test_split(const TrainTestSplitOptions& o) const {
  const int64_t n = num_rows();
  if (n == 0) return DatasetDict{{{"train", *this}, {"test", *this}}};
  std::optional<double> test_size = o.test_size, train_size = o.train_size;
  if (!test_size && !train_size) test_size = 0.25;
  const bool test_frac = test_size && *test_size < 1, train_frac = train_size && *train_size < 1;
  if (test_frac && train_frac && *test_size + *train_size > 1)
    throw ShapeError("train_test_split: test_size + train_size = " + std::to_string(*test_size + *train_size) +
                     " should be in the (0, 1) range");
  int64_t n_test = test_size ? rows_of(*test_size, n, "test_size", std::ceil) : 0;
  int64_t n_train = train_size ? rows_of(*train_size, n, "train_size", std::floor) : 0;
  if (!train_size) n_train = n - n_test;
  if (!test_size) n_test = n - n_train;
  if (n_train + n_test > n)
    throw ShapeError("train_test_split: train and test sizes add up to " + std::to_string(n_train + n_test) +
                     " rows, more than the " + std::to_string(n) + " there are");
  if (n_train == 0)
    throw ShapeError("train_test_split: with " + std::to_string(n) + " rows the train split would be empty");
  if (!o.stratify_by_column.empty()) {
    auto [train, test] = stratified_split_indices(*this, o.stratify_by_column, n_train, n_test, o.seed);
    return DatasetDict{{{"train", select(train)}, {"test", select(test)}}};
  }
  std::vector<int64_t> p = numpy_permutation(o.seed, n);
  std::vector<int64_t> test(p.begin(), p.begin() + n_test), train(p.begin() + n_test, p.begin() + n_test + n_train);
  return DatasetDict{{{"train", select(train)}, {"test", select(test)}}};
}

}  // namespace cuddle::datasets
