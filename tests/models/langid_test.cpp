// langid-bert, a real 12-language classifier: on all 1500 held-out texts cuddle predicts
// transformers' label with its softmax score within 1e-4. Token ids come from HF
// tokenizers itself (tests/fixtures/real/make_langid_inputs.js), so this checks the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

using namespace cuddle;

namespace {
struct Expected {
  std::string label, pred;
  double score;
};

std::vector<Expected> read_heldout(const std::string& path) {
  std::vector<Expected> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    rows.push_back({j["label"], j["pred"], j["score"]});
  }
  return rows;
}
}  // namespace

TEST(LangId, MatchesTransformersPipelineOnAllHeldOutTexts) {
  const std::string dir = test::fixture("real/models/langid-bert");
  auto model = load_model_from_architectures(dir);
  const auto expected = read_heldout(dir + "/heldout.jsonl");
  SafetensorsFile inputs = SafetensorsFile::open(test::fixture("real/langid_inputs.safetensors"));
  const auto ids = inputs.tensor("ids").to_int_vector();
  const auto lengths = inputs.tensor("lengths").to_int_vector();
  ASSERT_EQ(lengths.size(), expected.size());

  std::vector<size_t> start(lengths.size());
  for (size_t i = 1; i < lengths.size(); ++i) start[i] = start[i - 1] + lengths[i - 1];
  ASSERT_EQ(start.back() + lengths.back(), static_cast<int64_t>(ids.size()));
  // Batches of similar length, padded to their longest text: padding is masked, so each
  // row's logits equal a batch-of-one run (the pipeline's) to float rounding.
  std::vector<size_t> order(lengths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  constexpr size_t kBatch = 32;
  size_t agree = 0, correct = 0;
  double worst_score = 0;
  for (size_t first = 0; first < order.size(); first += kBatch) {
    const size_t n = std::min(kBatch, order.size() - first);
    const int64_t S = lengths[order[first + n - 1]];
    std::vector<int64_t> batch_ids(n * S, 0), mask(n * S, 0);
    for (size_t i = 0; i < n; ++i)
      for (int64_t s = 0; s < lengths[order[first + i]]; ++s) {
        batch_ids[i * S + s] = ids[start[order[first + i]] + s];
        mask[i * S + s] = 1;
      }
    const Shape shape{static_cast<int64_t>(n), S};
    ModelInputs in;
    in.input_ids = Tensor::from_vector(batch_ids, shape);
    in.attention_mask = Tensor::from_vector(mask, shape);
    const auto probs = ops::softmax(model->forward(in, false).get("logits")).to_float_vector();
    const int64_t L = model->config().num_labels;
    for (size_t i = 0; i < n; ++i) {
      int64_t best = 0;
      for (int64_t c = 1; c < L; ++c)
        if (probs[i * L + c] > probs[i * L + best]) best = c;
      const size_t row = order[first + i];
      const Expected& e = expected[row];
      const std::string pred = model->config().id2label.at(best);
      agree += pred == e.pred;
      correct += pred == e.label;
      EXPECT_EQ(pred, e.pred) << "text " << row;
      const double d = std::fabs(probs[i * L + best] - e.score);
      worst_score = std::max(worst_score, d);
      EXPECT_LT(d, 1e-4) << "text " << row;
    }
  }
  std::printf("langid-bert: %zu/%zu predictions equal transformers', max score diff %.3g, "
              "accuracy vs true labels %.4f\n",
              agree, expected.size(), worst_score, double(correct) / expected.size());
}
