// Perplexity: the block recipe against the negative log-likelihood computed from
// transformers' own logits (reference.safetensors), the sliding-window recipe against the
// block recipe where they must agree, and, where ../shared/fixtures is present, the real
// models' held-out perplexity against transformers' figures (lm_heldout.json) to 0.1%,
// and their recorded greedy continuations (ids and decoded text).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuddle/generation.h"
#include "cuddle/models.h"
#include "cuddle/quant.h"
#include "cuddle/safetensors.h"
#include "cuddle/tokenizer.h"
#include "test_util.h"

using namespace cuddle;

namespace {

// Summed -log softmax(logits[i - 1])[ids[i]] for i >= 1, in double.
double reference_nll(const Tensor& logits, const std::vector<int64_t>& ids) {
  const int64_t V = logits.size(1);
  const std::vector<float> l = logits.to_float_vector();
  double nll = 0;
  for (size_t i = 1; i < ids.size(); ++i) {
    const float* row = l.data() + (i - 1) * V;
    double mx = row[0], sum = 0;
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
    for (int64_t v = 0; v < V; ++v) sum += std::exp(row[v] - mx);
    nll += std::log(sum) + mx - row[ids[i]];
  }
  return nll;
}

TEST(Perplexity, BlocksEqualTheNllOfTransformersLogits) {
  for (const char* name : {"gpt2-causal", "llama-causal"}) {
    const std::string dir = test::fixture(std::string("models/") + name);
    auto model = AutoModelForCausalLM::from_pretrained(dir);
    SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
    const std::vector<int64_t> ids = ref.tensor("p1:input_ids").to_int_vector();
    const auto n = int64_t(ids.size());
    const double expected = reference_nll(ref.tensor("p1:logits"), ids);
    // One block of the whole prompt, plus a trailing token that is dropped.
    std::vector<int64_t> longer = ids;
    longer.push_back(ids[0]);
    PerplexityResult r = perplexity(as_causal_lm(*model), longer, n, 0);
    EXPECT_EQ(r.tokens, n - 1);
    EXPECT_EQ(r.windows, 1);
    EXPECT_NEAR(r.nll, expected, 1e-4) << name;
    EXPECT_NEAR(r.perplexity, std::exp(expected / double(n - 1)), 1e-4 * r.perplexity) << name;
    // Stride = window: the windows are the blocks (each new window scores its first token
    // too, weighted by the guide's tokens - 1).
    PerplexityResult s = perplexity(as_causal_lm(*model), ids, 0, n, n);
    EXPECT_EQ(s.windows, 1);
    EXPECT_NEAR(s.nll, expected, 1e-4) << name;
  }
}

TEST(Perplexity, SlidingWindowsScoreEachTokenOnceWithTheGuidesWeights) {
  // 6 tokens, windows of 4 advancing by 2: [0, 4) scores positions 1..3 (weight 3),
  // [2, 6) scores its last 2 (global 4, 5) with their mean weighted by 2 - 1.
  const std::string dir = test::fixture("models/llama-causal");
  auto model = AutoModelForCausalLM::from_pretrained(dir);
  const CausalLM& lm = as_causal_lm(*model);
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  const std::vector<int64_t> ids = ref.tensor("p1:input_ids").to_int_vector();
  ASSERT_EQ(ids.size(), 6u);
  auto window_logits = [&](int64_t b, int64_t e) {
    std::vector<int64_t> w(ids.begin() + b, ids.begin() + e);
    return std::pair{lm.forward_tokens(Tensor::from_vector(w, {1, e - b}), {}, {}, nullptr).select(0, 0), w};
  };
  auto [l0, w0] = window_logits(0, 4);
  auto [l1, w1] = window_logits(2, 6);
  const double first = reference_nll(l0, w0);
  // Positions 2 and 3 of the second window: its total minus its position-1 term.
  const double second_all = reference_nll(l1, w1);
  const double second_p1 = reference_nll(l1.slice(0, 0, 1), {w1[0], w1[1]});
  const double expected = first + (second_all - second_p1) / 2.0 * 1.0;
  PerplexityResult r = perplexity(lm, ids, 0, 2, 4);
  EXPECT_EQ(r.windows, 2);
  EXPECT_EQ(r.tokens, 4);
  EXPECT_NEAR(r.nll, expected, 1e-5);
  EXPECT_NEAR(r.perplexity, std::exp(expected / 4.0), 1e-5 * r.perplexity);
}

TEST(Perplexity, ArgumentsAreChecked) {
  auto model = AutoModelForCausalLM::from_pretrained(test::fixture("models/gpt2-causal"));
  const CausalLM& lm = as_causal_lm(*model);
  EXPECT_NE(test::error_of([&] { perplexity(lm, {1, 2, 3}, 2, 2); }).find("exactly one of block_size and stride"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { perplexity(lm, {1, 2, 3}, 4, 0); }).find("3 tokens leave nothing to score"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { perplexity(lm, {1, 2, 3}, 65, 0); }).find("exceeds the model's 64 positions"),
            std::string::npos);
}

// ../shared/fixtures (CUDDLE_SHARED_FIXTURES overrides): too large to vendor (10 MB).
std::string shared_fixtures() {
  const char* env = std::getenv("CUDDLE_SHARED_FIXTURES");
  return env ? env : "/work/shared/fixtures";
}

// lm_heldout.json's recipe: the held-out texts each followed by <|endoftext|>, scored in
// consecutive block_size-token blocks.
PerplexityResult heldout_perplexity(PreTrainedModel& model, const std::string& dir) {
  std::ifstream in(shared_fixtures() + "/real/data/lm_heldout.json");
  const nlohmann::json heldout = nlohmann::json::parse(in);
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(dir);
  std::string text;
  for (const auto& t : heldout["texts"]) text += t.get<std::string>() + "<|endoftext|>";
  const Encoding enc = tok.tokenizer().encode(text, false);
  return perplexity(as_causal_lm(model), std::vector<int64_t>(enc.ids.begin(), enc.ids.end()),
                    heldout["block_size"].get<int64_t>(), 0);
}

TEST(Perplexity, RealModelsEqualTransformersHeldOutFigures) {
  const std::string root = shared_fixtures();
  if (!std::filesystem::exists(root + "/real/data/lm_heldout.json"))
    GTEST_SKIP() << root << " is absent: the real-model perplexity check needs it";
  for (const char* name : {"lm-gpt2", "lm-llama"}) {
    const std::string dir = root + "/real/models/" + name;
    std::ifstream min(dir + "/heldout_metrics.json");
    const nlohmann::json metrics = nlohmann::json::parse(min);
    auto model = AutoModelForCausalLM::from_pretrained(dir);
    const AutoTokenizer tok = AutoTokenizer::from_pretrained(dir);
    const PerplexityResult r = heldout_perplexity(*model, dir);
    const double expected = metrics["perplexity"].get<double>();
    std::printf("  %s perplexity %.4f (transformers %.4f), %lld tokens\n", name, r.perplexity, expected,
                static_cast<long long>(r.tokens));
    EXPECT_EQ(r.tokens, metrics["tokens"].get<int64_t>()) << name;
    EXPECT_NEAR(r.perplexity, expected, 1e-3 * expected) << name;
    // Their recorded greedy continuations (24 new tokens), token for token.
    GenerationConfig g = GenerationConfig::from_pretrained(dir);
    g.max_new_tokens = 24;
    for (const auto& case_ : metrics["greedy"]) {
      const auto prompt = case_["input_ids"].get<std::vector<int64_t>>();
      const std::vector<int64_t> seq = generate(as_causal_lm(*model), {prompt}, g).sequences[0];
      EXPECT_EQ(seq, case_["greedy_ids"].get<std::vector<int64_t>>()) << name << " " << case_["prompt"];
      EXPECT_EQ(tok.decode(std::vector<uint32_t>(seq.begin(), seq.end()), true), case_["text"].get<std::string>())
          << name;
    }
  }
}


// Issue 16's accuracy targets on lm-llama (its q/k/v/o and MLP projections quantized while
// loading; the tied-free lm_head kept as transformers' rule keeps the last module): held-out
// perplexity within +2% of f32 in LLM.int8 and +6% in nf4 (measured 88.30 -> 88.34 and
// 89.38 on Zen 4).
// The quantization issue's accuracy targets: held-out perplexity within +2% (int8) and
// +6% (nf4) of f32. GPT-2's Conv1D projections are quantized as transformers quantizes
// them (the transposed weight), Llama's Linear ones as they are.
void expect_quantized_perplexity_within_targets(const std::string& name) {
  const std::string dir = shared_fixtures() + "/real/models/" + name;
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " is absent";
  const double f32 = heldout_perplexity(*AutoModelForCausalLM::from_pretrained(dir), dir).perplexity;
  quant::BitsAndBytesConfig int8;
  int8.load_in_8bit = true;
  quant::BitsAndBytesConfig nf4;
  nf4.load_in_4bit = true;
  nf4.bnb_4bit_quant_type = "nf4";
  const double p8 = heldout_perplexity(*quant::load_quantized_model(dir, ModelTask::CausalLM, int8), dir).perplexity;
  const double p4 = heldout_perplexity(*quant::load_quantized_model(dir, ModelTask::CausalLM, nf4), dir).perplexity;
  std::printf("  %s perplexity f32 %.4f, int8 %.4f (%+.2f%%), nf4 %.4f (%+.2f%%)\n", name.c_str(), f32, p8,
              100 * (p8 / f32 - 1), p4, 100 * (p4 / f32 - 1));
  EXPECT_LT(p8, f32 * 1.02);
  EXPECT_LT(p4, f32 * 1.06);
  EXPECT_NE(p8, f32);  // the layers really were quantized
  EXPECT_NE(p4, f32);
}

TEST(Perplexity, QuantizedLmLlamaWithinIssueTargets) { expect_quantized_perplexity_within_targets("lm-llama"); }
TEST(Perplexity, QuantizedLmGpt2WithinIssueTargets) { expect_quantized_perplexity_within_targets("lm-gpt2"); }

}  // namespace
