// Helpers shared by the decoder tests: a model forward over token ids alone, and the
// largest absolute difference of two float sequences.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cuddle/models.h"

namespace cuddle::test {

// Logits [B, S, V] of the model's cache-free forward over ids [B, S].
inline Tensor forward_logits(const PreTrainedModel& model, const Tensor& ids) {
  ModelInputs in;
  in.input_ids = ids;
  return model.forward(in, false).get("logits");
}

inline double max_abs_diff(const std::vector<float>& x, const std::vector<float>& y) {
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, double(std::fabs(x[i] - y[i])));
  return m;
}

}  // namespace cuddle::test
