// train() / eval(): dropout changes the outputs only in training mode, and a trained model's
// eval forward (through the fused inference path) equals the unfused training arithmetic.
#include <gtest/gtest.h>

#include <filesystem>

#include "cuddle/autograd.h"
#include "cuddle/models.h"
#include "cuddle/random.h"
#include "test_util.h"

namespace cuddle {
namespace {

// The bert-seqcls fixture with hidden_dropout_prob 0.1 (its own config has 0).
std::string with_dropout(const test::TempDir& tmp) {
  const std::string src = test::fixture("models/bert-seqcls");
  for (const auto& e : std::filesystem::directory_iterator(src))
    std::filesystem::copy(e.path(), tmp / e.path().filename().string());
  std::string cfg = test::read_file(tmp / "config.json");
  const std::string key = "\"hidden_dropout_prob\": 0.0";
  const size_t at = cfg.find(key);
  EXPECT_NE(at, std::string::npos);
  cfg.replace(at, key.size(), "\"hidden_dropout_prob\": 0.1");
  test::write_file(tmp / "config.json", cfg);
  return tmp.path();
}

ModelInputs inputs() {
  ModelInputs in;
  in.input_ids = Tensor::from_vector<int64_t>({101, 2023, 2003, 1037, 3231, 102}, {1, 6});
  return in;
}

TEST(TrainMode, DropoutActsOnlyInTrainingMode) {
  test::TempDir tmp;
  auto model = load_model(with_dropout(tmp), ModelTask::SequenceClassification);
  const auto eval_logits = model->forward(inputs(), false).get("logits").to_float_vector();
  model->train();
  manual_seed(1);
  const auto a = model->forward(inputs(), false).get("logits").to_float_vector();
  const auto b = model->forward(inputs(), false).get("logits").to_float_vector();
  EXPECT_NE(a, eval_logits);
  EXPECT_NE(a, b);
  manual_seed(1);
  EXPECT_EQ(model->forward(inputs(), false).get("logits").to_float_vector(), a);  // seeded
  model->eval();
  EXPECT_EQ(model->forward(inputs(), false).get("logits").to_float_vector(), eval_logits);
}

TEST(TrainMode, TrainableModelInEvalMatchesInference) {
  auto model = load_model(test::fixture("models/bert-seqcls"), ModelTask::SequenceClassification);
  const auto reference = model->forward(inputs(), false).get("logits").to_float_vector();
  nn::make_trainable(*model);
  autograd::NoGradGuard no_grad;
  const auto trainable = model->forward(inputs(), false).get("logits").to_float_vector();
  ASSERT_EQ(trainable.size(), reference.size());
  for (size_t i = 0; i < reference.size(); ++i) EXPECT_NEAR(trainable[i], reference[i], 1e-5);
}

}  // namespace
}  // namespace cuddle
