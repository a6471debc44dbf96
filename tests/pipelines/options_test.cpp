// Task options beyond the recorded calls: score functions, top_k, several masks, targets,
// ignore_labels, question answering over a context longer than one window.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/pipeline.h"
#include "test_util.h"

using namespace cuddle;
using test::fixture;

TEST(PipelineOptions, TextClassificationScoreFunctions) {
  PipelineOptions o;
  o.top_k = 0;
  auto clf = pipeline("text-classification", fixture("models/bert-seqcls"), o);
  auto model = load_model_from_architectures(fixture("models/bert-seqcls"));
  auto softmax = clf({"Hello world!"})[0];
  double sum = 0;
  for (const auto& e : softmax) sum += e["score"].get<double>();
  EXPECT_NEAR(sum, 1.0, 1e-6);
  o.function_to_apply = "none";
  auto raw = clf({"Hello world!"}, o)[0];
  o.function_to_apply = "sigmoid";
  auto sig = clf({"Hello world!"}, o)[0];
  for (size_t i = 0; i < 3; ++i) {
    double x = raw[i]["score"].get<double>();
    EXPECT_EQ(sig[i]["label"], raw[i]["label"]);  // sigmoid keeps the order
    EXPECT_NEAR(sig[i]["score"].get<double>(), 1.0 / (1.0 + std::exp(-x)), 1e-6);
  }
  o.top_k = 2;
  EXPECT_EQ(clf({"Hello world!"}, o)[0].size(), 2u);
  o.function_to_apply = "tanh";
  EXPECT_THROW(clf({"Hello world!"}, o), Error);
}

TEST(PipelineOptions, FillMaskSeveralMasksAndTargets) {
  auto fill = pipeline("fill-mask", fixture("models/bert-mlm"));
  auto two = fill({"The [MASK] brown [MASK] jumps."})[0];
  ASSERT_EQ(two.size(), 2u);     // one list per mask
  ASSERT_EQ(two[0].size(), 5u);  // top_k 5
  // With several masks the sequence keeps the special tokens, as transformers decodes it.
  EXPECT_NE(two[0][0]["sequence"].get<std::string>().find("[CLS]"), std::string::npos);
  PipelineOptions o;
  o.targets = {"dog", "the"};
  auto only = fill({"The quick brown [MASK] jumps."}, o)[0];
  ASSERT_EQ(only.size(), 2u);
  // The tiny vocab has neither word: a target then stands for its first token.
  for (const auto& c : only) EXPECT_TRUE(c["token_str"] == "d" || c["token_str"] == "t") << c.dump();
  EXPECT_NE(only[0]["token"], only[1]["token"]);
}

TEST(PipelineOptions, TokenClassificationIgnoreLabels) {
  PipelineOptions o;
  o.ignore_labels = {};
  auto ner = pipeline("ner", fixture("models/bert-ner"), o);
  auto all = ner({"Hello world!"})[0];
  // No labels ignored: one entity per non-special token.
  EXPECT_EQ(all.size(), ner.tokenizer().tokenizer().encode("Hello world!").size() - 2);
}

TEST(PipelineOptions, QuestionAnsweringLongContextWindows) {
  std::string context;
  for (int i = 0; i < 60; ++i) context += "Sentence number " + std::to_string(i) + " talks about Berlin and trees. ";
  PipelineOptions o;
  o.top_k = 3;
  o.doc_stride = 16;
  o.handle_impossible_answer = true;
  auto qa = pipeline("question-answering", fixture("models/bert-qa"), o);
  auto out = qa({PipelineInput::question("What is it about?", context)})[0];
  ASSERT_EQ(out.size(), 3u);
  for (const auto& a : out) {
    size_t start = a["start"], end = a["end"];
    ASSERT_LE(end, context.size());
    EXPECT_EQ(a["answer"], context.substr(start, end - start));
  }
  EXPECT_GE(out[0]["score"].get<double>(), out[1]["score"].get<double>());
  EXPECT_THROW(qa({PipelineInput("no context")}), Error);
  // The windows cover the whole context: with many answers, some come from its last
  // quarter (tokenizers 0.23's early exit would stop the windows after the first).
  o.top_k = 200;
  auto many = pipeline("question-answering", fixture("models/bert-qa"), o)(
      {PipelineInput::question("What is it about?", context)})[0];
  size_t last_start = 0;
  for (const auto& a : many) last_start = std::max<size_t>(last_start, a["start"].get<size_t>());
  EXPECT_GT(last_start, context.size() * 3 / 4) << "answers end at character " << last_start;
}
