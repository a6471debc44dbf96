// Schedules against transformers' formulas at chosen steps, optimiser state round trips,
// and the errors a training loop reports.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/lr_scheduler.h"
#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "cuddle/optim.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::error_of;
using training::LRScheduler;
using training::ScheduleOptions;

training::ParamGroup group(double lr, Tensor w) { return training::ParamGroup{{{"w", w}}, lr, 0.0}; }

double factor_at(const ScheduleOptions& o, int64_t step, double lr = 1e-3) {
  training::SGD opt({group(lr, Tensor::zeros({1}).set_requires_grad())});
  LRScheduler s(opt, o);
  return s.factor(step);
}

TEST(Schedules, MatchTransformersFormulas) {
  // Values worked out from transformers.optimization's lambdas.
  const ScheduleOptions linear{.type = "linear", .warmup_steps = 2, .total_steps = 10};
  EXPECT_DOUBLE_EQ(factor_at(linear, 0), 0.0);
  EXPECT_DOUBLE_EQ(factor_at(linear, 1), 0.5);
  EXPECT_DOUBLE_EQ(factor_at(linear, 2), 1.0);
  EXPECT_DOUBLE_EQ(factor_at(linear, 6), 0.5);
  EXPECT_DOUBLE_EQ(factor_at(linear, 10), 0.0);
  EXPECT_DOUBLE_EQ(factor_at(linear, 12), 0.0);
  const ScheduleOptions cosine{.type = "cosine", .warmup_steps = 2, .total_steps = 10};
  EXPECT_NEAR(factor_at(cosine, 6), 0.5, 1e-15);
  EXPECT_NEAR(factor_at(cosine, 4), 0.5 * (1 + std::cos(M_PI / 4)), 1e-15);
  const ScheduleOptions restarts{.type = "cosine_with_restarts", .warmup_steps = 2, .total_steps = 10, .num_cycles = 2};
  EXPECT_NEAR(factor_at(restarts, 6), 1.0, 1e-15);
  EXPECT_NEAR(factor_at(restarts, 4), 0.5, 1e-15);
  EXPECT_DOUBLE_EQ(factor_at(restarts, 10), 0.0);
  const ScheduleOptions poly{.type = "polynomial", .warmup_steps = 2, .total_steps = 10, .power = 2.0};
  EXPECT_NEAR(factor_at(poly, 6), ((1e-3 - 1e-7) * 0.25 + 1e-7) / 1e-3, 1e-12);
  EXPECT_NEAR(factor_at(poly, 12), 1e-4, 1e-15);
  const ScheduleOptions warm{.type = "constant_with_warmup", .warmup_steps = 4};
  EXPECT_DOUBLE_EQ(factor_at(warm, 1), 0.25);
  EXPECT_DOUBLE_EQ(factor_at(warm, 5), 1.0);
  EXPECT_DOUBLE_EQ(factor_at({.type = "constant", .warmup_steps = 4}, 1), 1.0);
  const ScheduleOptions isqrt{.type = "inverse_sqrt", .warmup_steps = 4};
  EXPECT_DOUBLE_EQ(factor_at(isqrt, 2), 0.5);
  EXPECT_DOUBLE_EQ(factor_at(isqrt, 16), 0.5);
  EXPECT_EQ(training::warmup_steps_for(0, 0.1, 95), 10);
  EXPECT_EQ(training::warmup_steps_for(3, 0.1, 95), 3);
}

TEST(Schedules, StepSetsTheGroupsLearningRate) {
  training::SGD opt({group(0.1, Tensor::zeros({1}).set_requires_grad())});
  LRScheduler s(opt, {.type = "linear", .warmup_steps = 0, .total_steps = 4});
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].lr, 0.1);
  s.step();
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].lr, 0.075);
  s.set_step(3);
  EXPECT_DOUBLE_EQ(s.last_lr()[0], 0.025);
}

TEST(Schedules, UnknownTypeAndMissingHorizonAreErrors) {
  training::SGD opt({group(0.1, Tensor::zeros({1}).set_requires_grad())});
  EXPECT_NE(error_of([&] { LRScheduler(opt, {.type = "cosine_warm"}); }).find("known: linear"), std::string::npos);
  EXPECT_NE(error_of([&] { LRScheduler(opt, {.type = "cosine"}); }).find("number of training steps"), std::string::npos);
}

TEST(OptimizerState, SaveAndLoadResumeExactly) {
  test::TempDir tmp;
  auto make = [](Tensor w) {
    return training::AdamW({training::ParamGroup{{{"layer.weight", w}}, 0.01, 0.1}});
  };
  Tensor w = Tensor::from_vector<float>({1, -2, 3, 0.5f}, {4}).set_requires_grad();
  training::AdamW a = make(w);
  const Tensor g = Tensor::from_vector<float>({0.3f, -0.1f, 0.2f, 1.0f}, {4});
  for (int i = 0; i < 2; ++i) {
    w.set_grad(g);
    a.step();
  }
  a.save(tmp / "optimizer.safetensors");
  Tensor w2 = w.detach().clone().set_requires_grad();
  training::AdamW b = make(w2);
  b.load(tmp / "optimizer.safetensors");
  EXPECT_EQ(b.steps(), 2);
  w.set_grad(g);
  w2.set_grad(g);
  a.step();
  b.step();
  EXPECT_EQ(w.to_float_vector(), w2.to_float_vector());

  Tensor other = Tensor::zeros({5}).set_requires_grad();
  training::AdamW c({training::ParamGroup{{{"layer.weight", other}}, 0.01, 0.1}});
  const std::string e = error_of([&] { c.load(tmp / "optimizer.safetensors"); });
  EXPECT_NE(e.find("layer.weight[4]"), std::string::npos) << e;
  training::SGD sgd({group(0.1, Tensor::zeros({4}).set_requires_grad())});
  EXPECT_NE(error_of([&] { sgd.load(tmp / "optimizer.safetensors"); }).find("holds AdamW state"), std::string::npos);
}

TEST(Training, ClipGradNormReturnsTheTotalNormAndScales) {
  Tensor a = Tensor::zeros({2}).set_requires_grad(), b = Tensor::zeros({1}).set_requires_grad();
  a.set_grad(Tensor::from_vector<float>({3, 0}, {2}));
  b.set_grad(Tensor::from_vector<float>({4}, {1}));
  const double total = training::clip_grad_norm({{"a", a}, {"b", b}}, 1.0);
  EXPECT_DOUBLE_EQ(total, 5.0);
  EXPECT_NEAR(a.grad().to_float_vector()[0], 3.0 / (5.0 + 1e-6), 1e-7);
  EXPECT_NEAR(b.grad().to_float_vector()[0], 4.0 / (5.0 + 1e-6), 1e-7);
}

TEST(Training, NonFiniteGradientNamesStepAndParameter) {
  Tensor a = Tensor::zeros({2}).set_requires_grad(), b = Tensor::zeros({2}).set_requires_grad();
  a.set_grad(Tensor::from_vector<float>({1, 2}, {2}));
  b.set_grad(Tensor::from_vector<float>({1, NAN}, {2}));
  const std::string e = error_of([&] { training::check_gradients_finite({{"ok", a}, {"encoder.bias", b}}, 3); });
  EXPECT_NE(e.find("step 3: the gradient of encoder.bias contains NaN"), std::string::npos) << e;
}

TEST(Training, LabelsThatDoNotMatchTheLogitsAreNamed) {
  auto model = load_model(test::fixture("models/train-bert-seqcls/initial"), ModelTask::SequenceClassification);
  ModelInputs in;
  in.input_ids = Tensor::from_vector<int64_t>({101, 2000, 102, 101, 2001, 102}, {2, 3});
  in.labels = Tensor::from_vector<int64_t>({0, 1, 2}, {3});
  EXPECT_NE(error_of([&] { model->forward_with_loss(in); }).find("do not match the batch"), std::string::npos);
  in.labels = Tensor::from_vector<int64_t>({0, 7}, {2});
  EXPECT_NE(error_of([&] { model->forward_with_loss(in); }).find("label 7 at position 1 is outside the 3 classes"),
            std::string::npos);
}

}  // namespace
}  // namespace cuddle
