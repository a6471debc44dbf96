// End-to-end gradient parity of the trainable causal LMs: for a fixed batch (one sequence
// right-padded, labels -100 at its padding) the loss and the gradient of every parameter
// of gpt2-causal (tied head, Conv1D weights, gelu_new) and llama-causal (bf16 weights held
// as f32, GQA, RoPE, RMSNorm, SwiGLU, untied head) against a hand-written PyTorch 1.13
// reference of the same architecture (tests/decoders/torch_decoder_reference.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "cuddle/autograd.h"
#include "cuddle/causal_lm.h"
#include "cuddle/models.h"
#include "cuddle/nn.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

namespace cuddle {
namespace {

struct Batch {
  Tensor input_ids, attention_mask, labels;
};

Batch fixed_batch(int64_t vocab) {
  const int64_t B = 2, S = 9;
  std::vector<int64_t> ids, mask, labels;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      const bool pad = b == 1 && s >= 6;
      ids.push_back(pad ? 0 : (17 * b + 31 * s + 7 * s * s) % vocab);
      mask.push_back(pad ? 0 : 1);
      labels.push_back(pad ? -100 : ids.back());
    }
  return {Tensor::from_vector(ids, {B, S}), Tensor::from_vector(mask, {B, S}), Tensor::from_vector(labels, {B, S})};
}

void check_model(const std::string& name) {
  const std::string dir = test::fixture("models/" + name);
  auto model = load_model(dir, ModelTask::CausalLM);
  nn::make_trainable(*model);
  const Batch batch = fixed_batch(as_causal_lm(*model).vocab_size());
  test::TempDir tmp;
  save_safetensors(tmp / "batch.safetensors",
                   {{"input_ids", batch.input_ids}, {"attention_mask", batch.attention_mask}, {"labels", batch.labels}});
  const std::string cmd = "/usr/bin/python3 " + std::string(CUDDLE_SOURCE_DIR) +
                          "/tests/decoders/torch_decoder_reference.py " + dir + " " + (tmp / "batch.safetensors") +
                          " " + (tmp / "ref.safetensors");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the PyTorch reference failed (scripts/test-deps.sh installs python3-torch): "
                                         << cmd;
  const SafetensorsFile ref = SafetensorsFile::open(tmp / "ref.safetensors");

  ModelInputs in;
  in.input_ids = batch.input_ids;
  in.attention_mask = batch.attention_mask;
  in.labels = batch.labels;
  const Tensor loss = model->forward_with_loss(in).get("loss");
  const double want_loss = ref.tensor("loss").to_float_vector()[0];
  EXPECT_NEAR(loss.to_float_vector()[0], want_loss, 1e-5 * std::abs(want_loss)) << name << " loss";
  loss.backward();

  double worst = 0;
  std::string worst_name;
  int64_t checked = 0;
  for (const auto& slot : model->named_parameters()) {
    if (model->tied().count(slot.name)) continue;  // the same tensor as its source
    const Tensor want = ref.tensor("grad." + slot.name);
    const Tensor got = slot.tensor->grad();
    ASSERT_TRUE(got.defined()) << name << ": no gradient for " << slot.name;
    ASSERT_EQ(got.shape(), want.shape()) << slot.name;
    const std::vector<float> g = got.to_float_vector(), w = want.to_float_vector();
    for (size_t i = 0; i < g.size(); ++i) {
      const double d = std::abs(double(g[i]) - double(w[i]));
      if (d > worst) worst = d, worst_name = slot.name;
    }
    ++checked;
  }
  EXPECT_LT(worst, 1e-4) << name << ": largest gradient difference at " << worst_name;
  EXPECT_GT(checked, 10);
  std::cout << name << ": loss " << loss.to_float_vector()[0] << " (torch " << want_loss << "), " << checked
            << " parameters, max |grad diff| " << worst << " (" << worst_name << ")\n";
}

TEST(TrainCausalLM, Gpt2LossAndGradientsMatchPyTorch) { check_model("gpt2-causal"); }
TEST(TrainCausalLM, LlamaLossAndGradientsMatchPyTorch) { check_model("llama-causal"); }

TEST(TrainCausalLM, InferenceRecordsNothingAndMatchesTheTrainedPath) {
  // A loaded model's weights do not require grad: its forward builds no tape, and a
  // trainable copy computes the same logits through the differentiable path.
  const std::string dir = test::fixture("models/gpt2-causal");
  auto plain = load_model(dir, ModelTask::CausalLM);
  auto trained = load_model(dir, ModelTask::CausalLM);
  nn::make_trainable(*trained);
  const Batch batch = fixed_batch(as_causal_lm(*plain).vocab_size());
  ModelInputs in;
  in.input_ids = batch.input_ids;
  const Tensor a = plain->forward(in, false).get("logits");
  EXPECT_FALSE(a.requires_grad());
  const Tensor b = trained->forward(in, false).get("logits");
  EXPECT_TRUE(b.requires_grad());
  const auto x = a.to_float_vector(), y = b.to_float_vector();
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::abs(x[i] - y[i])));
  EXPECT_LT(worst, 1e-4);
}

TEST(TrainCausalLM, LabelErrorsNameTheShape) {
  auto model = load_model(test::fixture("models/gpt2-causal"), ModelTask::CausalLM);
  ModelInputs in;
  in.input_ids = Tensor::from_vector(std::vector<int64_t>{1, 2, 3}, {1, 3});
  in.labels = Tensor::from_vector(std::vector<int64_t>{1, 2}, {1, 2});
  try {
    model->forward_with_loss(in);
    FAIL() << "mismatched labels were accepted";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("labels"), std::string::npos) << e.what();
  }
}

TEST(TrainCausalLM, NumItemsInBatchSumsOverTheGivenCount) {
  // transformers' num_items_in_batch: sum of token losses / count, so two micro-batches
  // add up to the mean over both.
  auto model = load_model(test::fixture("models/gpt2-causal"), ModelTask::CausalLM);
  const Batch batch = fixed_batch(as_causal_lm(*model).vocab_size());
  ModelInputs in;
  in.input_ids = batch.input_ids;
  in.attention_mask = batch.attention_mask;
  in.labels = batch.labels;
  const float mean = model->forward_with_loss(in).get("loss").to_float_vector()[0];
  in.num_items_in_batch = 26;  // 8 + 5 shifted label tokens counted, twice as many items
  const float half = model->forward_with_loss(in).get("loss").to_float_vector()[0];
  EXPECT_NEAR(half, mean * 13.0f / 26.0f, 1e-5f);
}

}  // namespace
}  // namespace cuddle
