// shuffle and train_test_split with datasets' row order: both draw
// numpy.random.default_rng(seed).permutation(n) (numpy_random.cpp).
#include <cmath>

#include "cuddle/datasets.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

Dataset Dataset::shuffle(uint64_t seed) const { return select(numpy_permutation(seed, num_rows())); }

DatasetDict Dataset::train_test_split(double test_size, uint64_t seed) const {
  const int64_t n = num_rows();
  int64_t n_test;
  if (test_size > 0 && test_size < 1) {
    n_test = static_cast<int64_t>(std::ceil(test_size * static_cast<double>(n)));
  } else if (test_size >= 1 && test_size == std::floor(test_size)) {
    n_test = static_cast<int64_t>(test_size);
  } else {
    throw ShapeError("train_test_split: test_size " + std::to_string(test_size) +
                     " must be a fraction in (0, 1) or a whole number of rows");
  }
  if (n_test >= n)
    throw ShapeError("train_test_split: with " + std::to_string(n) + " rows and test_size " + std::to_string(test_size) +
                     " the train split would be empty");
  if (n_test <= 0) throw ShapeError("train_test_split: the test split would be empty");
  std::vector<int64_t> p = numpy_permutation(seed, n);
  std::vector<int64_t> test(p.begin(), p.begin() + n_test), train(p.begin() + n_test, p.end());
  return DatasetDict{{{"train", select(train)}, {"test", select(test)}}};
}

}  // namespace cuddle::datasets
