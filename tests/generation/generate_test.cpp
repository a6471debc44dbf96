// generate() against transformers 5.17's greedy continuations (`pN:greedy_ids`, prompt +
// 8 new tokens) of gpt2-causal and llama-causal, alone and as one left-padded batch;
// end tokens, min_new_tokens, stop strings, seeded sampling and the argument errors.
#include <gtest/gtest.h>

#include "cuddle/generation.h"
#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "cuddle/tokenizer.h"
#include "test_util.h"

using namespace cuddle;

namespace {

struct Reference {
  std::vector<std::vector<int64_t>> prompts, greedy;
};

Reference read_reference(const std::string& dir) {
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  Reference r;
  for (int p = 0; ref.contains("p" + std::to_string(p) + ":input_ids"); ++p) {
    r.prompts.push_back(ref.tensor("p" + std::to_string(p) + ":input_ids").to_int_vector());
    r.greedy.push_back(ref.tensor("p" + std::to_string(p) + ":greedy_ids").to_int_vector());
  }
  return r;
}

class GreedyParity : public ::testing::TestWithParam<const char*> {};

TEST_P(GreedyParity, GreedyIdsEqualTransformersAloneAndBatched) {
  const std::string dir = test::fixture(std::string("models/") + GetParam());
  auto model = AutoModelForCausalLM::from_pretrained(dir);
  const Reference ref = read_reference(dir);
  ASSERT_GE(ref.prompts.size(), 2u);
  GenerationConfig g = GenerationConfig::from_pretrained(dir);
  g.max_new_tokens = 8;
  for (size_t i = 0; i < ref.prompts.size(); ++i) {
    GenerateOutput out = generate(as_causal_lm(*model), {ref.prompts[i]}, g);
    EXPECT_EQ(out.sequences[0], ref.greedy[i]) << GetParam() << " prompt " << i;
    EXPECT_EQ(out.new_tokens[0], 8);
  }
  // Prompts of different lengths in one batch (left padding, positions from the mask).
  GenerateOutput batch = generate(as_causal_lm(*model), ref.prompts, g);
  EXPECT_EQ(batch.sequences, ref.greedy) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GreedyParity, ::testing::Values("gpt2-causal", "llama-causal"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

class Gpt2Generate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fixture("models/gpt2-causal");
    model_ = AutoModelForCausalLM::from_pretrained(dir_);
    ref_ = read_reference(dir_);
    config_ = GenerationConfig::from_pretrained(dir_);
    config_.max_new_tokens = 8;
  }
  const CausalLM& lm() const { return as_causal_lm(*model_); }
  std::string dir_;
  std::unique_ptr<PreTrainedModel> model_;
  Reference ref_;
  GenerationConfig config_;
};

TEST_F(Gpt2Generate, ConfigComesFromGenerationConfigJson) {
  EXPECT_EQ(config_.eos_token_ids, std::vector<int64_t>{5});
  EXPECT_EQ(config_.bos_token_id, 5);
  EXPECT_FALSE(config_.pad_token_id.has_value());
  EXPECT_FALSE(config_.do_sample);
  EXPECT_EQ(config_.top_k, 50);
}

TEST_F(Gpt2Generate, AnEndTokenFinishesItsSequenceOnly) {
  // The third greedy token of prompt 0 becomes an end token: each prompt stops at its
  // first occurrence (kept), or runs its 8 tokens without one.
  const int64_t end = ref_.greedy[0][ref_.prompts[0].size() + 2];
  config_.eos_token_ids = {end};
  GenerateOutput out = generate(lm(), ref_.prompts, config_);
  for (size_t i = 0; i < 2; ++i) {
    std::vector<int64_t> expected = ref_.greedy[i];
    auto first_end = std::find(expected.begin() + int64_t(ref_.prompts[i].size()), expected.end(), end);
    if (first_end != expected.end()) expected.erase(first_end + 1, expected.end());
    EXPECT_EQ(out.sequences[i], expected) << "prompt " << i;
    EXPECT_EQ(out.new_tokens[i], int64_t(expected.size() - ref_.prompts[i].size()));
  }
  EXPECT_LE(out.new_tokens[0], 3);
}

TEST_F(Gpt2Generate, MinNewTokensKeepsTheEndTokenOut) {
  const auto& p0 = ref_.prompts[0];
  const int64_t first = ref_.greedy[0][p0.size()];
  config_.eos_token_ids = {first};
  config_.max_new_tokens = 4;
  EXPECT_EQ(generate(lm(), {p0}, config_).new_tokens[0], 1);
  config_.min_new_tokens = 2;
  GenerateOutput out = generate(lm(), {p0}, config_);
  ASSERT_GE(out.new_tokens[0], 1);
  EXPECT_NE(out.sequences[0][p0.size()], first);  // banned at step 1
}

TEST_F(Gpt2Generate, StreamsEveryTokenInOrder) {
  std::vector<std::pair<size_t, int64_t>> seen;
  GenerateCallbacks cb;
  cb.on_token = [&](size_t s, int64_t t) { seen.emplace_back(s, t); };
  GenerateOutput out = generate(lm(), {ref_.prompts[0]}, config_, cb);
  ASSERT_EQ(seen.size(), 8u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].second, out.sequences[0][ref_.prompts[0].size() + i]);
}

TEST_F(Gpt2Generate, StopStringsEndTheSequence) {
  // reference.json: "Hello world" continues with "ldebebebebebebeb"; stop at "eb".
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(dir_);
  const Encoding enc = tok.tokenizer().encode("Hello world", false);
  std::vector<int64_t> prompt(enc.ids.begin(), enc.ids.end());
  GenerateCallbacks cb;
  cb.decode = [&](const std::vector<int64_t>& ids) {
    return tok.decode(std::vector<uint32_t>(ids.begin(), ids.end()));
  };
  GenerateOutput full = generate(lm(), {prompt}, config_, cb);
  const std::vector<int64_t> new_full(full.sequences[0].begin() + int64_t(prompt.size()), full.sequences[0].end());
  EXPECT_EQ(cb.decode(new_full), "ldebebebebebebeb");
  config_.stop_strings = {"eb"};
  GenerateOutput out = generate(lm(), {prompt}, config_, cb);
  const std::vector<int64_t> new_ids(out.sequences[0].begin() + int64_t(prompt.size()), out.sequences[0].end());
  const std::string text = cb.decode(new_ids);
  EXPECT_LT(out.new_tokens[0], 8);
  EXPECT_EQ(text.substr(text.size() - 2), "eb") << text;
  EXPECT_EQ(text.find("eb"), text.size() - 2) << text;
}

TEST_F(Gpt2Generate, SamplingIsReproducibleWithASeed) {
  config_.do_sample = true;
  config_.temperature = 1.5f;
  config_.top_p = 0.9f;
  config_.seed = 42;
  const auto a = generate(lm(), ref_.prompts, config_).sequences;
  const auto b = generate(lm(), ref_.prompts, config_).sequences;
  EXPECT_EQ(a, b);
  bool differs = false;
  for (uint64_t seed = 1; seed < 6 && !differs; ++seed) {
    config_.seed = seed;
    differs = generate(lm(), ref_.prompts, config_).sequences != a;
  }
  EXPECT_TRUE(differs) << "five other seeds all gave the seed-42 tokens";
  // top_k = 1 leaves only the argmax: sampling equals greedy decoding.
  config_.top_k = 1;
  config_.top_p = 1.0f;
  EXPECT_EQ(generate(lm(), ref_.prompts, config_).sequences, ref_.greedy);
}

TEST_F(Gpt2Generate, BadArgumentsAreClearErrors) {
  auto error = [&](GenerationConfig g, std::vector<std::vector<int64_t>> prompts = {}) {
    if (prompts.empty()) prompts = {ref_.prompts[0]};
    return test::error_of([&] { generate(lm(), prompts, g); });
  };
  GenerationConfig g = config_;
  g.top_p = 0.0f;
  EXPECT_NE(error(g).find("top_p must be in (0, 1], got 0"), std::string::npos);
  g.top_p = 1.5f;
  EXPECT_NE(error(g).find("top_p must be in (0, 1], got 1.5"), std::string::npos);
  g = config_;
  g.do_sample = true;
  g.temperature = 0.0f;
  EXPECT_NE(error(g).find("temperature must be a positive number when sampling"), std::string::npos);
  g = config_;
  g.max_new_tokens = 61;  // 4 prompt tokens + 61 > 64 positions
  EXPECT_NE(error(g).find("a prompt of 4 tokens plus 61 new tokens exceeds the model's 64 positions"),
            std::string::npos)
      << error(g);
  g = config_;
  g.max_new_tokens.reset();
  g.max_length = 3;
  EXPECT_NE(error(g).find("the prompt has 4 tokens, max_length is 3"), std::string::npos);
  EXPECT_NE(error(config_, {{}}).find("prompt 1 has no tokens"), std::string::npos);
  EXPECT_NE(error(config_, {{1, 99999}}).find("token id 99999 outside the vocabulary of 3000"), std::string::npos);
  g = config_;
  g.stop_strings = {"x"};
  EXPECT_NE(error(g).find("stop_strings need a tokenizer"), std::string::npos);
}

TEST_F(Gpt2Generate, MaxLengthCountsThePrompt) {
  config_.max_new_tokens.reset();
  config_.max_length = int64_t(ref_.prompts[0].size()) + 5;
  GenerateOutput out = generate(lm(), {ref_.prompts[0]}, config_);
  EXPECT_EQ(out.new_tokens[0], 5);
  EXPECT_EQ(out.sequences[0], std::vector<int64_t>(ref_.greedy[0].begin(), ref_.greedy[0].begin() + config_.max_length));
}

}  // namespace
