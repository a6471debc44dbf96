// Beam search (generate() with num_beams > 1) on gpt2-causal and llama-causal, checked
// against what can be computed without it: every returned sequence's score recomputed from
// one full forward pass without a cache (so the cache reordering between beams is right),
// one new token as the top log-probabilities, the best of an exhaustive two-token search
// when the beams cover the whole first step, a left-padded batch equal to its prompts run
// alone, early_stopping, num_return_sequences, and argument errors.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cuddle/generation.h"
#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

using namespace cuddle;

namespace {

std::vector<std::vector<int64_t>> prompts_of(const std::string& dir) {
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  std::vector<std::vector<int64_t>> out;
  for (int p = 0; ref.contains("p" + std::to_string(p) + ":input_ids"); ++p)
    out.push_back(ref.tensor("p" + std::to_string(p) + ":input_ids").to_int_vector());
  return out;
}

// log p(sequence[t] | sequence[:t]) for every t >= from, from one uncached forward pass.
std::vector<double> token_log_probs(const CausalLM& lm, const std::vector<int64_t>& sequence, size_t from) {
  const int64_t S = int64_t(sequence.size());
  const Tensor logits = lm.forward_tokens(Tensor::from_vector(sequence, {1, S}), {}, {}, nullptr);
  const int64_t V = logits.size(2);
  std::vector<double> out;
  for (size_t t = from; t < sequence.size(); ++t) {
    const float* row = logits.data<float>() + (int64_t(t) - 1) * V;
    double mx = row[0], sum = 0;
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
    for (int64_t v = 0; v < V; ++v) sum += std::exp(double(row[v]) - mx);
    out.push_back(double(row[sequence[t]]) - mx - std::log(sum));
  }
  return out;
}

class BeamSearch : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    dir_ = test::fixture(std::string("models/") + GetParam());
    model_ = AutoModelForCausalLM::from_pretrained(dir_);
    prompts_ = prompts_of(dir_);
    config_ = GenerationConfig::from_pretrained(dir_);
    config_.max_new_tokens = 6;
    config_.num_beams = 4;
  }
  const CausalLM& lm() const { return as_causal_lm(*model_); }
  std::string dir_;
  std::unique_ptr<PreTrainedModel> model_;
  std::vector<std::vector<int64_t>> prompts_;
  GenerationConfig config_;
};

TEST_P(BeamSearch, ScoresAreTheSummedLogProbsOverLengthToThePenalty) {
  config_.num_return_sequences = 4;
  for (const float penalty : {1.0f, 0.0f, 2.0f}) {
    config_.length_penalty = penalty;
    const GenerateOutput out = generate(lm(), {prompts_[0]}, config_);
    ASSERT_EQ(out.sequences.size(), 4u);
    ASSERT_EQ(out.sequences_scores.size(), 4u);
    for (size_t i = 0; i < out.sequences.size(); ++i) {
      const auto lp = token_log_probs(lm(), out.sequences[i], prompts_[0].size());
      double sum = 0;
      for (double v : lp) sum += v;
      const double expected = sum / std::pow(double(lp.size()), penalty);
      EXPECT_NEAR(out.sequences_scores[i], expected, 1e-4 * std::max(1.0, std::fabs(expected)))
          << GetParam() << " penalty " << penalty << " sequence " << i;
      if (i) {
        EXPECT_GE(out.sequences_scores[i - 1], out.sequences_scores[i]) << "best first";
      }
      EXPECT_EQ(out.new_tokens[i], int64_t(lp.size()));
    }
    // Distinct hypotheses.
    for (size_t i = 1; i < out.sequences.size(); ++i) EXPECT_NE(out.sequences[i], out.sequences[0]);
  }
}

TEST_P(BeamSearch, OneNewTokenIsTheMostLikelyTokens) {
  config_.max_new_tokens = 1;
  config_.num_return_sequences = 3;
  const GenerateOutput out = generate(lm(), {prompts_[1]}, config_);
  const Tensor logits =
      lm().forward_tokens(Tensor::from_vector(prompts_[1], {1, int64_t(prompts_[1].size())}), {}, {}, nullptr, true);
  std::vector<float> row(logits.data<float>(), logits.data<float>() + logits.size(2));
  std::vector<int64_t> order(row.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return row[size_t(a)] > row[size_t(b)]; });
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(out.sequences[i].back(), order[i]) << i;
}

// Without end tokens and length penalty, two new tokens with 3 beams: the running beams
// after step one are the 3 most likely first tokens, so the answer is the best pair over
// them by summed log-probability, found here by scoring every second token.
TEST_P(BeamSearch, TwoTokensMatchAnExhaustiveSearchOverTheKeptFirstTokens) {
  config_.max_new_tokens = 2;
  config_.eos_token_ids.clear();
  config_.num_beams = 3;
  config_.length_penalty = 0.0f;
  const auto& prompt = prompts_[0];
  const GenerateOutput out = generate(lm(), {prompt}, config_);
  const int64_t P = int64_t(prompt.size());
  const Tensor first = lm().forward_tokens(Tensor::from_vector(prompt, {1, P}), {}, {}, nullptr, true);
  const int64_t V = first.size(2);
  std::vector<float> row(first.data<float>(), first.data<float>() + V);
  std::vector<int64_t> order(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) order[size_t(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return row[size_t(a)] > row[size_t(b)]; });
  // The 3 running beams after step one are the 3 best first tokens; the best pair over
  // them is what beam search must return.
  double best = -1e30;
  std::vector<int64_t> best_seq;
  for (int i = 0; i < 3; ++i) {
    std::vector<int64_t> seq = prompt;
    seq.push_back(order[size_t(i)]);
    const Tensor next = lm().forward_tokens(Tensor::from_vector(seq, {1, P + 1}), {}, {}, nullptr, true);
    const std::vector<double> lp1 = token_log_probs(lm(), seq, prompt.size());
    std::vector<float> r2(next.data<float>(), next.data<float>() + V);
    double mx = r2[0], sum = 0;
    for (float x : r2) mx = std::max(mx, double(x));
    for (float x : r2) sum += std::exp(double(x) - mx);
    const int64_t arg = std::max_element(r2.begin(), r2.end()) - r2.begin();
    const double total = lp1[0] + double(r2[size_t(arg)]) - mx - std::log(sum);
    if (total > best) {
      best = total;
      best_seq = seq;
      best_seq.push_back(arg);
    }
  }
  EXPECT_EQ(out.sequences[0], best_seq);
  EXPECT_NEAR(out.sequences_scores[0], best, 1e-4 * std::fabs(best));
}

TEST_P(BeamSearch, ALeftPaddedBatchEqualsEachPromptAlone) {
  config_.num_return_sequences = 2;
  const GenerateOutput batched = generate(lm(), prompts_, config_);
  ASSERT_EQ(batched.sequences.size(), 2 * prompts_.size());
  for (size_t p = 0; p < prompts_.size(); ++p) {
    const GenerateOutput alone = generate(lm(), {prompts_[p]}, config_);
    for (size_t r = 0; r < 2; ++r) {
      EXPECT_EQ(batched.sequences[2 * p + r], alone.sequences[r]) << GetParam() << " prompt " << p << " rank " << r;
      EXPECT_NEAR(batched.sequences_scores[2 * p + r], alone.sequences_scores[r], 1e-4);
    }
  }
}

TEST_P(BeamSearch, AnEndTokenFinishesAHypothesisWithItsTokenKept) {
  // Make the best first token an end token: its one-token hypothesis finishes at once.
  // Without a length penalty a score is a plain sum of log-probabilities (<= 0 each), so no
  // longer hypothesis can beat it.
  config_.max_new_tokens = 1;
  config_.num_beams = 2;
  config_.length_penalty = 0.0f;
  const GenerateOutput one = generate(lm(), {prompts_[0]}, config_);
  config_.eos_token_ids = {one.sequences[0].back()};
  config_.max_new_tokens = 6;
  config_.early_stopping = "true";
  const GenerateOutput out = generate(lm(), {prompts_[0]}, config_);
  EXPECT_EQ(out.sequences[0], one.sequences[0]) << "the ended hypothesis scores best";
  EXPECT_EQ(out.new_tokens[0], 1);
}

INSTANTIATE_TEST_SUITE_P(Decoders, BeamSearch, ::testing::Values("gpt2-causal", "llama-causal"),
                         [](const auto& info) { return std::string(info.param) == "gpt2-causal" ? "Gpt2" : "Llama"; });

TEST(BeamSearchCli, GenerateJsonHasEveryReturnedSequenceWithItsScore) {
  const std::string dir = test::fixture("models/gpt2-causal");
  const auto r = test::run_cli({"generate", "--model", dir, "--num_beams", "3", "--num_return_sequences", "2",
                                "--max_new_tokens", "5", "--json", "Hello world"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  auto model = AutoModelForCausalLM::from_pretrained(dir);
  GenerationConfig g = GenerationConfig::from_pretrained(dir);
  g.max_new_tokens = 5;
  g.num_beams = 3;
  g.num_return_sequences = 2;
  std::vector<int64_t> prompt;
  for (const auto& id : j[0]["sequences"]) prompt.push_back(id.get<int64_t>());
  prompt.resize(prompt.size() - 5);
  const GenerateOutput out = generate(as_causal_lm(*model), {prompt}, g);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(j[i]["sequences"].get<std::vector<int64_t>>(), out.sequences[i]);
    EXPECT_FLOAT_EQ(j[i]["score"].get<float>(), out.sequences_scores[i]);
  }
}

TEST(BeamSearchArguments, AreClearErrors) {
  const std::string dir = test::fixture("models/gpt2-causal");
  auto model = AutoModelForCausalLM::from_pretrained(dir);
  GenerationConfig g = GenerationConfig::from_pretrained(dir);
  g.max_new_tokens = 2;
  auto error = [&](const GenerationConfig& c, const GenerateCallbacks& cb = {}) {
    return test::error_of([&] { generate(as_causal_lm(*model), {{1, 2, 3}}, c, cb); });
  };
  g.num_beams = 2;
  g.num_return_sequences = 3;
  EXPECT_NE(error(g).find("num_return_sequences must be in 1..num_beams (2), got 3"), std::string::npos);
  g.num_return_sequences = 1;
  g.do_sample = true;
  EXPECT_NE(error(g).find("beam sampling) is not supported"), std::string::npos);
  g.do_sample = false;
  g.early_stopping = "sometimes";
  EXPECT_NE(error(g).find("early_stopping must be true, false or \"never\""), std::string::npos);
  g.early_stopping = "never";
  GenerateCallbacks cb;
  cb.on_token = [](size_t, int64_t) {};
  EXPECT_NE(error(g, cb).find("cannot be streamed with beam search"), std::string::npos);
  g.num_beams = 0;
  EXPECT_NE(error(g).find("num_beams must be >= 1, got 0"), std::string::npos);
}

}  // namespace
