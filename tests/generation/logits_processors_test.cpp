// The logits processors against values worked out by hand from transformers' definitions
// (RepetitionPenalty, NoRepeatNGram, NoBadWords, MinNewTokensLength, Temperature, TopK,
// TopP, MinP), and their order.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cuddle/generation.h"

using namespace cuddle;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

GenerationConfig sampling() {
  GenerationConfig g;
  g.do_sample = true;
  g.top_k = 0;
  return g;
}

TEST(LogitsProcessors, RepetitionPenaltyDividesPositiveAndMultipliesNegativeScoresOnce) {
  GenerationConfig g;
  g.repetition_penalty = 2.0f;
  std::vector<float> s = {1.0f, -1.0f, 2.0f, 0.5f};
  process_logits(s, {0, 1, 1}, 0, g);  // token 1 twice: penalised once
  EXPECT_EQ(s, (std::vector<float>{0.5f, -2.0f, 2.0f, 0.5f}));
}

TEST(LogitsProcessors, MinNewTokensBansEveryEndTokenUntilReached) {
  GenerationConfig g;
  g.min_new_tokens = 2;
  g.eos_token_ids = {1, 3};
  std::vector<float> s = {0.0f, 5.0f, 1.0f, 4.0f};
  process_logits(s, {}, 1, g);
  EXPECT_EQ(s, (std::vector<float>{0.0f, -kInf, 1.0f, -kInf}));
  s = {0.0f, 5.0f, 1.0f, 4.0f};
  process_logits(s, {}, 2, g);
  EXPECT_EQ(s, (std::vector<float>{0.0f, 5.0f, 1.0f, 4.0f}));
}

TEST(LogitsProcessors, WarpersApplyOnlyWhenSampling) {
  GenerationConfig g;
  g.temperature = 0.5f;
  g.top_k = 1;
  g.top_p = 0.1f;
  std::vector<float> s = {1.0f, 2.0f, 3.0f};
  process_logits(s, {}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{1.0f, 2.0f, 3.0f}));
}

TEST(LogitsProcessors, TemperatureDividesAfterThePenalty) {
  GenerationConfig g = sampling();
  g.repetition_penalty = 2.0f;
  g.temperature = 0.5f;
  std::vector<float> s = {2.0f, -1.0f};
  process_logits(s, {0, 1}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{2.0f, -4.0f}));  // 2 / 2 / 0.5, -1 * 2 / 0.5
}

TEST(LogitsProcessors, TopKKeepsTheKHighestAndTiesWithTheKth) {
  GenerationConfig g = sampling();
  g.top_k = 2;
  std::vector<float> s = {1.0f, 3.0f, 2.0f, 0.0f};
  process_logits(s, {}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{-kInf, 3.0f, 2.0f, -kInf}));
  s = {1.0f, 3.0f, 2.0f, 3.0f, 3.0f};
  process_logits(s, {}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{-kInf, 3.0f, -kInf, 3.0f, 3.0f}));
  g.top_k = 10;  // more than the vocabulary: nothing removed
  s = {1.0f, 2.0f};
  process_logits(s, {}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{1.0f, 2.0f}));
}

TEST(LogitsProcessors, TopPRemovesTheTailWhoseMassIsAtMostOneMinusTopP) {
  GenerationConfig g = sampling();
  g.top_p = 0.7f;
  const std::vector<float> probs = {0.5f, 0.3f, 0.15f, 0.05f};
  std::vector<float> s;
  for (float p : probs) s.push_back(std::log(p));
  process_logits(s, {}, 0, g);
  // Ascending cumulative mass 0.05, 0.20, 0.50, 1.0: the first two are <= 0.3.
  EXPECT_FLOAT_EQ(s[0], std::log(0.5f));
  EXPECT_FLOAT_EQ(s[1], std::log(0.3f));
  EXPECT_EQ(s[2], -kInf);
  EXPECT_EQ(s[3], -kInf);
  g.top_p = 0.01f;  // the most likely token always stays
  s = {0.0f, 1.0f};
  process_logits(s, {}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{-kInf, 1.0f}));
}

TEST(LogitsProcessors, NoRepeatNGramBansWhatWouldRepeatAnNGram) {
  GenerationConfig g;
  g.no_repeat_ngram_size = 3;
  // Sequence 1 2 3 1 2: the next token after "1 2" may not be 3 (1 2 3 occurred).
  std::vector<float> s(5, 0.0f);
  process_logits(s, {1, 2, 3, 1, 2}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{0.0f, 0.0f, 0.0f, -kInf, 0.0f}));
  s.assign(5, 0.0f);  // "3 1" has not been followed by anything yet
  process_logits(s, {1, 2, 3, 1}, 0, g);
  EXPECT_EQ(s, (std::vector<float>(5, 0.0f)));
  s.assign(5, 0.0f);  // shorter than n - 1 + 1: nothing banned
  process_logits(s, {1}, 0, g);
  EXPECT_EQ(s, (std::vector<float>(5, 0.0f)));
  g.no_repeat_ngram_size = 1;  // size 1: every token already present
  s.assign(5, 0.0f);
  process_logits(s, {4, 0}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{-kInf, 0.0f, 0.0f, 0.0f, -kInf}));
}

TEST(LogitsProcessors, BadWordsBanSingleTokensAndCompletedSequences) {
  GenerationConfig g;
  g.bad_words_ids = {{2}, {3, 4}, {0, 1, 3}};
  std::vector<float> s(5, 1.0f);
  process_logits(s, {0, 3}, 0, g);  // ends with 3: 4 banned; "0 1" not the tail: 3 allowed
  EXPECT_EQ(s, (std::vector<float>{1.0f, 1.0f, -kInf, 1.0f, -kInf}));
  s.assign(5, 1.0f);
  process_logits(s, {0, 1}, 0, g);
  EXPECT_EQ(s, (std::vector<float>{1.0f, 1.0f, -kInf, -kInf, 1.0f}));
}

TEST(LogitsProcessors, MinPRemovesTokensBelowAFractionOfTheMostLikely) {
  GenerationConfig g = sampling();
  g.min_p = 0.25f;
  // Probabilities proportional to 8, 4, 1.9, 1: ratios 1, 0.5, 0.24, 0.125 to the largest.
  std::vector<float> s = {std::log(8.0f), std::log(4.0f), std::log(1.9f), std::log(1.0f)};
  process_logits(s, {}, 0, g);
  EXPECT_FLOAT_EQ(s[0], std::log(8.0f));
  EXPECT_FLOAT_EQ(s[1], std::log(4.0f));
  EXPECT_EQ(s[2], -kInf);  // 1.9 / 8 < 0.25
  EXPECT_EQ(s[3], -kInf);
}

TEST(LogitsProcessors, TypicalPKeepsTheTokensClosestToTheEntropy) {
  // p = 0.5, 0.3, 0.15, 0.05: entropy 1.1421 nats; |surprisal - entropy| = 0.449, 0.062,
  // 0.755, 1.854, so by typicality 1, 0, 2, 3 with cumulative mass 0.3, 0.8, 0.95, 1.
  GenerationConfig g = sampling();
  const std::vector<float> probs = {0.5f, 0.3f, 0.15f, 0.05f};
  auto run = [&](float mass) {
    std::vector<float> s;
    for (float p : probs) s.push_back(std::log(p));
    g.typical_p = mass;
    process_logits(s, {}, 0, g);
    std::vector<bool> kept;
    for (float v : s) kept.push_back(v != -kInf);
    return kept;
  };
  EXPECT_EQ(run(0.5f), (std::vector<bool>{true, true, false, false}));  // 0.3 < 0.5, 0.8 crosses it
  EXPECT_EQ(run(0.2f), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(run(0.9f), (std::vector<bool>{true, true, true, false}));
}

TEST(LogitsProcessors, ForcedBosAndEosTokens) {
  GenerationConfig g;
  g.forced_bos_token_id = 1;
  g.forced_eos_token_id = 3;
  g.max_new_tokens = 3;
  std::vector<float> s(4, 0.5f);
  process_logits(s, {7}, 0, g);  // a one-token prompt: BOS forced
  EXPECT_EQ(s, (std::vector<float>{-kInf, 0.0f, -kInf, -kInf}));
  s.assign(4, 0.5f);
  process_logits(s, {7, 8, 9}, 1, g);  // 2 prompt + 1 new: the 2nd of 3 new tokens is free
  EXPECT_EQ(s, (std::vector<float>(4, 0.5f)));
  process_logits(s, {7, 8, 9, 9}, 2, g);  // the last one the length allows: EOS forced
  EXPECT_EQ(s, (std::vector<float>{-kInf, -kInf, -kInf, 0.0f}));
}

TEST(LogitsProcessors, NewArgumentsAreValidated) {
  GenerationConfig t;
  t.typical_p = 0.0f;
  EXPECT_THROW(t.validate(), Error);
  GenerationConfig g;
  g.min_p = 1.5f;
  EXPECT_THROW(g.validate(), Error);
  g = {};
  g.no_repeat_ngram_size = -1;
  EXPECT_THROW(g.validate(), Error);
  g = {};
  g.bad_words_ids = {{}};
  EXPECT_THROW(g.validate(), Error);
}

}  // namespace
