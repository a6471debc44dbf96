// Parity with tests/fixtures/tokenizers/reference.json, which transformers' AutoTokenizer
// (tokenizers 0.23.2 backend) produced for every fixture tokenizer folder: ids, tokens,
// character offsets, decode with and without special tokens, pairs, padded batches and
// truncation with stride and overflow.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cuddle/tokenizer.h"
#include "test_util.h"

using cuddle::AutoTokenizer;
using cuddle::CallOptions;
using nlohmann::json;

namespace {

const json& reference() {
  static const json ref = json::parse(cuddle::test::read_file(cuddle::test::fixture("tokenizers/reference.json")));
  return ref;
}

std::vector<std::string> folders() {
  std::vector<std::string> out;
  for (auto& [k, v] : reference().items())
    if (v.is_object() && v.contains("single")) out.push_back(k);
  return out;
}

class ReferenceTest : public ::testing::TestWithParam<std::string> {
 protected:
  const json& ref() const { return reference()[GetParam()]; }
  AutoTokenizer tok() const { return AutoTokenizer::from_pretrained(cuddle::test::fixture("tokenizers/" + GetParam())); }
};

TEST_P(ReferenceTest, SingleTexts) {
  AutoTokenizer t = tok();
  for (const auto& s : ref()["single"]) {
    std::string text = s["text"];
    SCOPED_TRACE(text);
    auto enc = t({text});
    auto ids = enc.input_ids[0];
    EXPECT_EQ(ids, s["input_ids"].get<std::vector<uint32_t>>());
    std::vector<std::vector<size_t>> offsets;
    for (auto [a, b] : enc.offset_mapping[0]) offsets.push_back({a, b});
    EXPECT_EQ(offsets, s["offsets"].get<std::vector<std::vector<size_t>>>());
    EXPECT_EQ(t.convert_ids_to_tokens(ids), s["tokens"].get<std::vector<std::string>>());
    auto want_ids = s["input_ids"].get<std::vector<uint32_t>>();
    EXPECT_EQ(t.decode(want_ids, false), s["decoded"].get<std::string>());
    EXPECT_EQ(t.decode(want_ids, true), s["decoded_skip_special"].get<std::string>());
  }
}

TEST_P(ReferenceTest, Pairs) {
  AutoTokenizer t = tok();
  for (const auto& p : ref()["pair"]) {
    SCOPED_TRACE(p["a"].get<std::string>());
    auto enc = t(std::vector<std::pair<std::string, std::string>>{{p["a"], p["b"]}});
    EXPECT_EQ(enc.input_ids[0], p["input_ids"].get<std::vector<uint32_t>>());
    if (p["token_type_ids"].is_null()) EXPECT_TRUE(enc.token_type_ids.empty());
    else EXPECT_EQ(enc.token_type_ids.at(0), p["token_type_ids"].get<std::vector<uint32_t>>());
  }
}

TEST_P(ReferenceTest, PaddedBatch) {
  if (ref()["batch_padded"].is_null()) GTEST_SKIP() << "no pad token: transformers recorded no padded batch";
  const json& b = ref()["batch_padded"];
  CallOptions o;
  o.padding = "longest";
  auto enc = tok()(b["texts"].get<std::vector<std::string>>(), o);
  EXPECT_EQ(enc.input_ids, b["input_ids"].get<std::vector<std::vector<uint32_t>>>());
  EXPECT_EQ(enc.attention_mask, b["attention_mask"].get<std::vector<std::vector<uint32_t>>>());
}

TEST_P(ReferenceTest, TruncatedWithStrideAndOverflow) {
  if (ref()["truncated"].is_null()) GTEST_SKIP() << "no pad token: transformers recorded no truncation case";
  const json& tr = ref()["truncated"];
  CallOptions o;
  o.truncation = true;
  o.max_length = tr["max_length"].get<size_t>();
  o.stride = tr["stride"].get<size_t>();
  o.return_overflowing_tokens = true;
  o.padding = "longest";
  auto enc = tok()({tr["text"].get<std::string>()}, o);
  EXPECT_EQ(enc.input_ids, tr["input_ids"].get<std::vector<std::vector<uint32_t>>>());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ReferenceTest, ::testing::ValuesIn(folders()),
                         [](const auto& info) { return info.param; });

}  // namespace
