// token-classification with `stride`: a text longer than bert-ner's 64-token limit read in
// overlapping windows. The model is random, so the checks are about what the windows and the
// reconciliation must give whatever the labels: every token covered once, offsets into the
// whole text, window-relative indices, the overlap rule on hand-made entities, transformers'
// errors, and no change for a text that fits one window. The windows cover the whole text, as
// tokenizers 0.22 cut them (docs/pipelines.md: with tokenizers 0.23.2 transformers stops
// after the first window).
#include <gtest/gtest.h>

#include <string>

#include "cuddle/pipeline.h"
#include "pipelines/overlapping_entities.h"
#include "test_util.h"

using namespace cuddle;
using cuddle::pipelines::resolve_overlapping_entities;
using cuddle::pipelines::TokenEntity;
using test::fixture;

namespace {

// bert-ner: model_max_length 64, [CLS] and [SEP] added, so a window holds 62 text tokens.
constexpr size_t kMaxLength = 64, kWindowTokens = 62, kStride = 16;

// Lower-case letters and single spaces: bert-ner's vocabulary has every letter, so no
// [UNK], and the decoder renders tokens exactly as the text has them.
std::string long_text() {
  std::string text;
  for (int i = 0; i < 12; ++i) text += "alice lives in paris and bob works in berlin ";
  return text + "zoe ends here";
}

TokenEntity entity(const char* label, float score, size_t start, size_t end) {
  return {label, score, label, start, end, 0};
}

std::vector<std::string> labels(const std::vector<TokenEntity>& entities) {
  std::vector<std::string> out;
  for (const auto& e : entities) out.push_back(e.label + "@" + std::to_string(e.start));
  return out;
}

// What a group's word must be, given the text it covers: the decoder joins the tokens as the
// text has them, except that a window may start inside a word, with a "##" piece.
std::string unhashed(std::string word) { return word.rfind("##", 0) == 0 ? word.substr(2) : word; }

}  // namespace

// Expected values worked through transformers' aggregate_overlapping_entities by hand: sort by
// start (stable), keep `previous`; an entity with previous.start <= start < previous.end
// replaces it when longer, or equally long with a strictly higher score; any other entity
// appends `previous` and becomes it.
TEST(TokenClassificationStride, OverlapRule) {
  // The same span from two windows: the higher score wins, on a tie the earlier window.
  EXPECT_EQ(labels(resolve_overlapping_entities({entity("w1", 0.6f, 10, 20), entity("w2", 0.7f, 10, 20)})),
            std::vector<std::string>{"w2@10"});
  EXPECT_EQ(labels(resolve_overlapping_entities({entity("w1", 0.7f, 10, 20), entity("w2", 0.7f, 10, 20)})),
            std::vector<std::string>{"w1@10"});
  // Length beats score: [12, 20) starts inside [10, 14) and is longer, so it alone remains,
  // though [10, 12) is then covered by nothing.
  EXPECT_EQ(labels(resolve_overlapping_entities({entity("short", 0.9f, 10, 14), entity("long", 0.5f, 12, 20)})),
            std::vector<std::string>{"long@12"});
  // Sorting comes first: [5, 12) from a later window is met before [10, 20), which starts
  // inside it and is longer.
  EXPECT_EQ(labels(resolve_overlapping_entities({entity("a", 0.9f, 10, 20), entity("b", 0.9f, 5, 12)})),
            std::vector<std::string>{"a@10"});
  // Touching spans do not overlap (end is exclusive); the result is in start order.
  EXPECT_EQ(labels(resolve_overlapping_entities(
                {entity("c", 0.5f, 30, 34), entity("a", 0.5f, 0, 4), entity("b", 0.5f, 4, 8)})),
            (std::vector<std::string>{"a@0", "b@4", "c@30"}));
  // Only the kept entity is compared: [5, 8) and [9, 12) both start inside [0, 10) and are
  // shorter, so [9, 12) goes too although it reaches past 10.
  EXPECT_EQ(labels(resolve_overlapping_entities(
                {entity("a", 0.5f, 0, 10), entity("b", 0.9f, 5, 8), entity("c", 0.9f, 9, 12)})),
            std::vector<std::string>{"a@0"});
  EXPECT_TRUE(resolve_overlapping_entities({}).empty());
}

// Aggregation left unset: per-token entities from every window. Tokens are the same in every
// window that sees them, so after reconciliation each token of the whole text is there once,
// with its offsets in the whole text and its index in one of the windows that saw it.
TEST(TokenClassificationStride, EveryTokenOnceWithWholeTextOffsets) {
  const std::string text = long_text();
  PipelineOptions o;
  o.ignore_labels = {};
  o.stride = kStride;
  auto ner = pipeline("ner", fixture("models/bert-ner"), o);
  Encoding whole = ner.tokenizer().tokenizer().encode(text);
  const size_t tokens = whole.size() - 2;  // without [CLS] and [SEP]
  ASSERT_GT(tokens, 3 * kWindowTokens) << "the text must take several windows";
  auto out = ner({text})[0];
  ASSERT_EQ(out.size(), tokens);
  const size_t step = kWindowTokens - kStride;
  for (size_t p = 0; p < tokens; ++p) {
    const auto& e = out[p];
    EXPECT_EQ(e["start"], whole.offsets[p + 1].first) << p;
    EXPECT_EQ(e["end"], whole.offsets[p + 1].second) << p;
    EXPECT_EQ(unhashed(e["word"]), text.substr(e["start"], e["end"].get<size_t>() - e["start"].get<size_t>())) << p;
    // Window k holds text tokens [k * step, k * step + 62), after its [CLS].
    bool seen = false;
    for (size_t k = 0; k * step <= p; ++k)
      seen = seen || (p < k * step + kWindowTokens && e["index"] == p - k * step + 1);
    EXPECT_TRUE(seen) << "token " << p << " has index " << e["index"];
  }
  // Truncated, the same pipeline stops after the first window.
  o.stride.reset();
  EXPECT_EQ(ner({text}, o)[0].size(), kWindowTokens);
}

// Grouped: ordered, non-overlapping groups whose words are the text at their offsets, found up
// to the end of the text (truncated, they stop at the first window's end).
TEST(TokenClassificationStride, GroupsCoverTheWholeText) {
  const std::string text = long_text();
  PipelineOptions o;
  o.ignore_labels = {};
  o.aggregation_strategy = "simple";
  auto ner = pipeline("ner", fixture("models/bert-ner"), o);
  auto truncated = ner({text})[0];
  o.stride = kStride;
  auto windowed = ner({text}, o)[0];
  ASSERT_FALSE(windowed.empty());
  size_t previous_end = 0;
  for (const auto& g : windowed) {
    size_t start = g["start"], end = g["end"];
    EXPECT_GE(start, previous_end) << g.dump();
    EXPECT_EQ(unhashed(g["word"]), text.substr(start, end - start)) << g.dump();
    previous_end = end;
  }
  EXPECT_EQ(windowed.back()["end"], text.size());
  EXPECT_LT(truncated.back()["end"].get<size_t>(), text.size() / 2);
  // "zoe", in the last window only, is inside a group.
  const size_t zoe = text.find("zoe");
  bool found = false;
  for (const auto& g : windowed) found = found || (g["start"] <= zoe && zoe < g["end"]);
  EXPECT_TRUE(found);
  // Word strategies too.
  for (const char* s : {"first", "average", "max"}) {
    o.aggregation_strategy = s;
    EXPECT_EQ(ner({text}, o)[0].back()["end"], text.size()) << s;
  }
}

TEST(TokenClassificationStride, ShortTextGivesTheUnstridedResult) {
  const std::string text = "My name is Wolfgang and I live in Berlin near the Brandenburger Tor.";
  auto ner = pipeline("ner", fixture("models/bert-ner"));
  for (const char* strategy : {"", "simple", "first"}) {
    PipelineOptions o;
    if (*strategy) o.aggregation_strategy = strategy;
    auto plain = ner({text}, o);
    o.stride = kStride;
    EXPECT_EQ(ner({text}, o), plain) << strategy;
  }
}

TEST(TokenClassificationStride, BatchesKeepEachTextsWindows) {
  const std::string a = long_text(), b = "bob lives in berlin", c = "in paris " + long_text();
  PipelineOptions o;
  o.aggregation_strategy = "simple";
  o.ignore_labels = {};
  o.stride = kStride;
  auto ner = pipeline("ner", fixture("models/bert-ner"), o);
  PipelineOutput one_by_one = PipelineOutput::array();
  for (const auto& t : {a, b, c}) one_by_one.push_back(ner({t})[0]);
  o.batch_size = 4;
  auto batched = ner({a, b, c}, o);
  ASSERT_EQ(batched.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(batched[i].size(), one_by_one[i].size()) << i;
    for (size_t k = 0; k < batched[i].size(); ++k) {
      EXPECT_EQ(batched[i][k]["entity_group"], one_by_one[i][k]["entity_group"]);
      EXPECT_EQ(batched[i][k]["start"], one_by_one[i][k]["start"]);
      EXPECT_NEAR(batched[i][k]["score"].get<double>(), one_by_one[i][k]["score"].get<double>(), 1e-5);
    }
  }
}

// One-line errors: at pipeline construction and for options given to a call.
TEST(TokenClassificationStride, ValidationErrors) {
  auto error_of = [](size_t stride, const char* strategy) -> std::string {
    PipelineOptions o;
    o.stride = stride;
    if (*strategy) o.aggregation_strategy = strategy;
    try {
      pipeline("ner", fixture("models/bert-ner"), o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of(kMaxLength, "simple"),
            "stride 64 must be less than the model's max length 64 (less still when the tokenizer adds special "
            "tokens)");
  // transformers checks the length before the strategy.
  EXPECT_EQ(error_of(kMaxLength + 100, "none").rfind("stride 164 must be less than", 0), 0u);
  EXPECT_EQ(error_of(kWindowTokens + 1, "simple"),
            "stride 63 is more than the 62 tokens a window holds (max length 64 minus 2 special tokens)");
  EXPECT_EQ(error_of(kStride, "none"),
            "stride was given to process all the text but aggregation_strategy is \"none\": choose simple, first, "
            "average or max, or leave it unset");
  EXPECT_EQ(error_of(kStride, ""), "");
  EXPECT_EQ(error_of(0, "simple"), "");

  // The same checks on options given to a call.
  auto ner = pipeline("ner", fixture("models/bert-ner"));
  PipelineOptions o;
  o.stride = kMaxLength;
  EXPECT_THROW(ner({"bob"}, o), Error);

  // A stride of exactly what a window holds leaves no room to advance: a text that fits one
  // window is fine, a longer one is refused by the tokenizer (HF's tokenizer panics).
  o.stride = kWindowTokens;
  o.aggregation_strategy = "simple";
  EXPECT_NO_THROW(ner({"bob"}, o));
  try {
    ner({long_text()}, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("stride 62"), std::string::npos) << e.what();
  }
}
