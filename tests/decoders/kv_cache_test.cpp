// The key/value cache paths against the cache-free forward: prefill + one-token steps
// through a growing and a static cache give the logits of the whole sequence at once; a
// left-padded batch gives each prompt's own logits; the caches refuse what they cannot do.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/causal_lm.h"
#include "cuddle/models.h"
#include "decoder_test_util.h"
#include "test_util.h"

using namespace cuddle;

namespace {

// Row s of logits [B, S, V] for batch b.
std::vector<float> row(const Tensor& logits, int64_t b, int64_t s) {
  return logits.select(0, b).select(0, s).to_float_vector();
}

const std::vector<int64_t> kTokens = {12, 7, 99, 3, 250, 18, 41, 5, 77, 1024};

class CacheParity : public ::testing::TestWithParam<std::tuple<const char*, KVCache::Kind>> {};

TEST_P(CacheParity, StepwiseDecodingEqualsFullForward) {
  const auto [fixture, kind] = GetParam();
  auto model = AutoModelForCausalLM::from_pretrained(test::fixture(std::string("models/") + fixture));
  const CausalLM& lm = as_causal_lm(*model);
  const int64_t n = static_cast<int64_t>(kTokens.size());
  const Tensor all = Tensor::from_vector(kTokens, {1, n});
  const Tensor full = test::forward_logits(*model, all);

  KVCache cache = lm.make_cache(1, kind, kind == KVCache::Kind::Static ? n : 2);
  const int64_t prefill = 4;
  Tensor first = lm.forward_tokens(all.slice(1, 0, prefill), {}, {}, &cache);
  for (int64_t s = 0; s < prefill; ++s) EXPECT_LT(test::max_abs_diff(row(first, 0, s), row(full, 0, s)), 1e-4);
  for (int64_t s = prefill; s < n; ++s) {
    Tensor step = lm.forward_tokens(all.slice(1, s, s + 1), {}, {}, &cache, true);
    EXPECT_LT(test::max_abs_diff(row(step, 0, 0), row(full, 0, s)), 1e-4) << fixture << " position " << s;
  }
  EXPECT_EQ(cache.length(), n);
  if (kind == KVCache::Kind::Static) {
    const std::string msg = test::error_of([&] { lm.forward_tokens(all.slice(1, 0, 1), {}, {}, &cache); });
    EXPECT_NE(msg.find("static key/value cache of 10 positions cannot hold 11"), std::string::npos) << msg;
  }
}

TEST_P(CacheParity, LeftPaddedBatchGivesEachPromptsOwnLogits) {
  const auto [fixture, kind] = GetParam();
  auto model = AutoModelForCausalLM::from_pretrained(test::fixture(std::string("models/") + fixture));
  const CausalLM& lm = as_causal_lm(*model);
  const std::vector<int64_t> a = {12, 7, 99, 3, 250}, b = {18, 41, 5};
  const int64_t pad = 0;
  // transformers' generate: position_ids = cumsum(mask) - 1, padding positions set to 1.
  const Tensor ids = Tensor::from_vector<int64_t>({12, 7, 99, 3, 250, pad, pad, 18, 41, 5}, {2, 5});
  const Tensor mask = Tensor::from_vector<int64_t>({1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, {2, 5});
  const Tensor pos = Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 1, 1, 0, 1, 2}, {2, 5});
  KVCache cache = lm.make_cache(2, kind, 8);
  Tensor batch = lm.forward_tokens(ids, mask, pos, &cache, true);
  // One more step: token 77 for both, masks grow by one.
  const Tensor next = Tensor::from_vector<int64_t>({77, 77}, {2, 1});
  const Tensor mask2 = Tensor::from_vector<int64_t>({1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}, {2, 6});
  const Tensor pos2 = Tensor::from_vector<int64_t>({5, 3}, {2, 1});
  Tensor batch2 = lm.forward_tokens(next, mask2, pos2, &cache, true);

  for (int i = 0; i < 2; ++i) {
    std::vector<int64_t> seq = i == 0 ? a : b;
    Tensor alone = test::forward_logits(*model, Tensor::from_vector(seq, {1, int64_t(seq.size())}));
    EXPECT_LT(test::max_abs_diff(row(batch, i, 0), row(alone, 0, seq.size() - 1)), 1e-4) << fixture << " prompt " << i;
    seq.push_back(77);
    Tensor alone2 = test::forward_logits(*model, Tensor::from_vector(seq, {1, int64_t(seq.size())}));
    EXPECT_LT(test::max_abs_diff(row(batch2, i, 0), row(alone2, 0, seq.size() - 1)), 1e-4) << fixture << " prompt " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Caches, CacheParity,
                         ::testing::Combine(::testing::Values("gpt2-causal", "llama-causal"),
                                            ::testing::Values(KVCache::Kind::Dynamic, KVCache::Kind::Static)),
                         [](const auto& info) {
                           std::string n = std::get<0>(info.param);
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n + (std::get<1>(info.param) == KVCache::Kind::Static ? "_static" : "_dynamic");
                         });

TEST(KVCache, SelectBatchReordersAndRepeatsSequences) {
  KVCache cache(1, 2, 2, KVCache::Kind::Dynamic, 1);
  const Tensor k = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  cache.update(0, k, k);
  cache.select_batch({1, 1, 0});
  auto [keys, values] = cache.update(0, Tensor::zeros({3, 1, 2}), Tensor::zeros({3, 1, 2}));
  EXPECT_EQ(keys.shape(), (Shape{3, 3, 2}));
  EXPECT_EQ(keys.to_float_vector(),
            (std::vector<float>{5, 6, 7, 8, 0, 0, 5, 6, 7, 8, 0, 0, 1, 2, 3, 4, 0, 0}));
  EXPECT_NE(test::error_of([&] { cache.select_batch({3}); }).find("row 3 of a batch of 3"), std::string::npos);
  EXPECT_NE(test::error_of([&] { cache.update(0, Tensor::zeros({2, 1, 2}), Tensor::zeros({2, 1, 2})); })
                .find("must be [3, S, 2]"),
            std::string::npos);
}

}  // namespace
