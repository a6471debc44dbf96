// GPT2LMHeadModel and LlamaForCausalLM (bf16 weights, GQA) against transformers 5.17: the
// logits of each recorded prompt within 1e-4 absolute, and the greedy continuation
// (prompt + 8 tokens, decoded through the key/value cache) identical to `pN:greedy_ids`.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "cuddle/causal_lm.h"
#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "decoder_test_util.h"
#include "test_util.h"

using namespace cuddle;

namespace {

int64_t argmax_last(const Tensor& logits) {  // logits [1, S, V]
  const int64_t S = logits.size(1), V = logits.size(2);
  const float* p = logits.data<float>() + (S - 1) * V;
  int64_t best = 0;
  for (int64_t i = 1; i < V; ++i)
    if (p[i] > p[best]) best = i;
  return best;
}

class CausalParity : public ::testing::TestWithParam<const char*> {};

TEST_P(CausalParity, LogitsAndGreedyIdsMatchTransformers) {
  const std::string dir = test::fixture(std::string("models/") + GetParam());
  auto model = AutoModelForCausalLM::from_pretrained(dir);
  const CausalLM& lm = as_causal_lm(*model);
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  int prompts = 0;
  for (int p = 0; ref.contains("p" + std::to_string(p) + ":input_ids"); ++p, ++prompts) {
    const std::string key = "p" + std::to_string(p) + ":";
    const Tensor ids = ref.tensor(key + "input_ids");
    const Tensor input = ids.reshape({1, ids.size(0)});
    const Tensor logits = test::forward_logits(*model, input);
    ASSERT_EQ(logits.shape(), (Shape{1, ids.size(0), lm.vocab_size()}));
    const double d = test::max_abs_diff(logits.to_float_vector(), ref.tensor(key + "logits").to_float_vector());
    std::printf("  %s %s logits max abs diff %.3g\n", GetParam(), key.c_str(), d);
    EXPECT_LT(d, 1e-4) << GetParam() << " " << key;

    // Greedy decoding through a growing cache: prefill, then one token per step.
    const std::vector<int64_t> expected = ref.tensor(key + "greedy_ids").to_int_vector();
    std::vector<int64_t> seq = ids.to_int_vector();
    KVCache cache = lm.make_cache(1, KVCache::Kind::Dynamic, 4);
    Tensor step = input;
    while (seq.size() < expected.size()) {
      Tensor next_logits = lm.forward_tokens(step, {}, {}, &cache, /*last_only=*/true);
      const int64_t next = argmax_last(next_logits);
      seq.push_back(next);
      step = Tensor::from_vector<int64_t>({next}, {1, 1});
    }
    EXPECT_EQ(seq, expected) << GetParam() << " " << key;
  }
  EXPECT_GT(prompts, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CausalParity, ::testing::Values("gpt2-causal", "llama-causal"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(CausalLM, ClassNamesAndArchitecturesResolve) {
  auto gpt2 = load_model_from_architectures(test::fixture("models/gpt2-causal"));
  EXPECT_EQ(gpt2->class_name(), "GPT2LMHeadModel");
  EXPECT_EQ(gpt2->task(), ModelTask::CausalLM);
  auto llama = load_model_from_architectures(test::fixture("models/llama-causal"));
  EXPECT_EQ(llama->class_name(), "LlamaForCausalLM");
  EXPECT_EQ(task_name(ModelTask::CausalLM), "AutoModelForCausalLM");
}

TEST(CausalLM, ModelsWithoutALanguageHeadAreRefused) {
  auto bert = load_model(test::fixture("models/bert-seqcls"), ModelTask::SequenceClassification);
  const std::string msg = test::error_of([&] { as_causal_lm(*bert); });
  EXPECT_NE(msg.find("BertForSequenceClassification has no language-modeling head"), std::string::npos) << msg;
  const std::string base = test::error_of([&] { load_model(test::fixture("models/gpt2-causal"), ModelTask::MaskedLM); });
  EXPECT_NE(base.find("has no AutoModelForMaskedLM class"), std::string::npos) << base;
}

TEST(CausalLM, InputLongerThanLearnedPositionsIsAClearError) {
  auto model = AutoModelForCausalLM::from_pretrained(test::fixture("models/gpt2-causal"));
  const Tensor ids = Tensor::zeros({1, 65}, DType::I64);  // n_positions is 64
  const std::string msg = test::error_of([&] { test::forward_logits(*model, ids); });
  EXPECT_NE(msg.find("65 tokens exceed the model's 64 positions"), std::string::npos) << msg;
}

}  // namespace
