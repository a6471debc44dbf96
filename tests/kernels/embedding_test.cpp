#include <gtest/gtest.h>

#include <random>

#include "kernels/cpu/kernels.h"
#include "kernels/reference.h"

using namespace cuddle;

TEST(Embedding, GathersRowsForRandomIdsAndOddWidths) {
  std::mt19937 rng(7);
  for (int64_t n : {1, 3, 17, 768}) {
    const int64_t V = 11, T = 300;
    auto table = test::random_vector(rng, V * n);
    std::vector<int64_t> ids(T);
    for (auto& id : ids) id = static_cast<int64_t>(rng() % V);
    std::vector<float> out(static_cast<size_t>(T * n), NAN);
    kernels::embedding(T, n, table.data(), ids.data(), out.data());
    for (int64_t t = 0; t < T; ++t)
      for (int64_t j = 0; j < n; ++j) ASSERT_EQ(out[t * n + j], table[ids[t] * n + j]);
  }
}
