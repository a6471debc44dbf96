// `cuddle pipeline` on the command line: inputs as arguments and from files (plain lines,
// JSON Lines), --json shaped like transformers' return value, the readable table, and one
// clear error line with a non-zero exit for every kind of bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/pipeline.h"
#include "cli_expect.h"
#include "json_compare.h"
#include "test_util.h"

using cuddle::test::fixture;
using cuddle::test::expect_error;
using cuddle::test::run_cli;
namespace fs = std::filesystem;

namespace {

const std::string kLangId = fixture("real/models/langid-bert");

}  // namespace

TEST(PipelineCli, ArgumentsAsTableAndJson) {
  auto table = run_cli({"pipeline", "text-classification", "--model", kLangId, "Wer nicht wagt, der nicht gewinnt.",
                        "El que no arriesga no gana."});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("label"), std::string::npos);
  EXPECT_NE(table.out.find("de "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("es "), std::string::npos) << table.out;

  auto js = run_cli({"pipeline", "text-classification", "--model", kLangId, "--json", "--top-k", "2",
                     "Wer nicht wagt, der nicht gewinnt."});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  auto j = nlohmann::json::parse(js.out);
  ASSERT_EQ(j.size(), 1u);
  ASSERT_EQ(j[0].size(), 2u);
  EXPECT_EQ(j[0][0]["label"], "de");
  EXPECT_GE(j[0][0]["score"].get<double>(), j[0][1]["score"].get<double>());
}

TEST(PipelineCli, InputFileLinesAndJsonLines) {
  cuddle::test::TempDir tmp;
  cuddle::test::write_file(tmp / "plain.txt", "Wer nicht wagt, der nicht gewinnt.\n\nEl que no arriesga no gana.\n");
  cuddle::test::write_file(tmp / "lines.jsonl",
                           "\"Wer nicht wagt, der nicht gewinnt.\"\n{\"text\": \"El que no arriesga no gana.\"}\n");
  auto a = run_cli({"pipeline", "text-classification", "--model", kLangId, "--json", "--input", tmp / "plain.txt"});
  auto b = run_cli({"pipeline", "text-classification", "--model", kLangId, "--json", "--input", tmp / "lines.jsonl",
                    "--batch-size", "2"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  ASSERT_EQ(ja.size(), 2u);
  EXPECT_EQ(cuddle::test::json_diff(jb, ja, 1e-5), "");
  EXPECT_EQ(ja[1]["label"], "es");
}

TEST(PipelineCli, EveryTaskRuns) {
  const std::string ner = fixture("models/bert-ner"), mlm = fixture("models/bert-mlm"), qa = fixture("models/bert-qa"),
                    nli = fixture("models/roberta-nli"), xlmr = fixture("models/xlmr-base");
  auto r = run_cli({"pipeline", "ner", "--model", ner, "--aggregation-strategy", "first", "--json",
                    "My name is Wolfgang and I live in Berlin."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out)[0][0].contains("entity_group"));
  r = run_cli({"pipeline", "fill-mask", "--model", mlm, "--targets", "the,dog", "--json", "Hello [MASK]!"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0].size(), 2u);
  cuddle::test::TempDir tmp;
  cuddle::test::write_file(tmp / "qa.jsonl",
                           "{\"question\": \"Where does Wolfgang live?\", \"context\": \"Wolfgang lives in Berlin.\"}\n");
  r = run_cli({"pipeline", "question-answering", "--model", qa, "--json", "--input", tmp / "qa.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto answer = nlohmann::json::parse(r.out)[0];
  EXPECT_EQ(answer["answer"], std::string("Wolfgang lives in Berlin.")
                                  .substr(answer["start"].get<size_t>(), answer["end"].get<size_t>() - answer["start"].get<size_t>()));
  r = run_cli({"pipeline", "zero-shot-classification", "--model", nli, "--candidate-labels", "sports, politics",
               "--multi-label", "--hypothesis-template", "It is about {}.", "--json", "Hello world!"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["labels"].size(), 2u);
  r = run_cli({"pipeline", "feature-extraction", "--model", xlmr, "--sentence-embedding", "--json", "Hello world!"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto embedding = nlohmann::json::parse(r.out);
  double norm = 0;
  for (double v : embedding[0]) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

// --stride reads a long text in windows: the JSON is the library's result for the same
// options, entities reach the end of the text; stride errors are one line.
TEST(PipelineCli, TokenClassificationStride) {
  const std::string ner = fixture("models/bert-ner");
  std::string text;
  for (int i = 0; i < 12; ++i) text += "alice lives in paris and bob works in berlin ";
  auto r = run_cli({"pipeline", "ner", "--model", ner, "--aggregation-strategy", "simple", "--stride", "16", "--json", text});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cuddle::PipelineOptions o;
  o.aggregation_strategy = "simple";
  o.stride = 16;
  auto expected = cuddle::pipeline("ner", ner, o)({text});
  auto got = nlohmann::json::parse(r.out);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].size(), expected[0].size()) << r.out;
  for (size_t k = 0; k < got[0].size(); ++k) {
    EXPECT_EQ(got[0][k]["entity_group"], expected[0][k]["entity_group"]);
    EXPECT_EQ(got[0][k]["start"], expected[0][k]["start"]);
    EXPECT_EQ(got[0][k]["end"], expected[0][k]["end"]);
  }
  auto truncated = run_cli({"pipeline", "ner", "--model", ner, "--aggregation-strategy", "simple", "--json", text});
  ASSERT_EQ(truncated.exit_code, 0) << truncated.err;
  EXPECT_LT(nlohmann::json::parse(truncated.out)[0].back()["end"].get<size_t>(),
            got[0].back()["end"].get<size_t>());

  expect_error(run_cli({"pipeline", "ner", "--model", ner, "--stride", "64", text}),
               "stride 64 must be less than the model's max length 64");
  expect_error(run_cli({"pipeline", "ner", "--model", ner, "--aggregation-strategy", "none", "--stride", "16", text}),
               "aggregation_strategy is \"none\"");
  // Unset, the strategy is none, which stride accepts: per-token results.
  auto tokens = run_cli({"pipeline", "ner", "--model", ner, "--stride", "16", "--json", text});
  ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
  EXPECT_TRUE(nlohmann::json::parse(tokens.out)[0][0].contains("index"));
}

TEST(PipelineCli, BadInputIsOneErrorLine) {
  const std::string seqcls = fixture("models/bert-seqcls"), nli = fixture("models/roberta-nli");
  expect_error(run_cli({"pipeline", "translation", "--model", kLangId, "hi"}), "unknown pipeline task \"translation\"");
  expect_error(run_cli({"pipeline", "fill-mask", "--model", seqcls, "Hello [MASK]"}), "fill-mask needs a *ForMaskedLM model (AutoModelForMaskedLM)");
  expect_error(run_cli({"pipeline", "token-classification", "--model", seqcls, "Hello"}), "BertForSequenceClassification");
  expect_error(run_cli({"pipeline", "text-classification", "--model", kLangId, ""}), "input 1 is empty");
  expect_error(run_cli({"pipeline", "text-classification", "--model", kLangId}), "no inputs");
  expect_error(run_cli({"pipeline", "zero-shot-classification", "--model", nli, "--candidate-labels", " , ", "Hi"}),
               "expected comma-separated labels");
  expect_error(run_cli({"pipeline", "zero-shot-classification", "--model", nli, "Hi"}), "--candidate-labels");
  expect_error(run_cli({"pipeline", "zero-shot-classification", "--model", nli, "--candidate-labels", "a,b",
                        "--hypothesis-template", "no placeholder", "Hi"}),
               "has no {}");
  expect_error(run_cli({"pipeline", "zero-shot-classification", "--model", seqcls, "--candidate-labels", "a,b", "Hi"}),
               "entailment");
  expect_error(run_cli({"pipeline", "fill-mask", "--model", fixture("models/bert-mlm"), "no mask here"}), "no mask token");
  expect_error(run_cli({"pipeline", "ner", "--model", fixture("models/bert-ner"), "--aggregation-strategy", "longest", "Hi"}),
               "aggregation_strategy");
  expect_error(run_cli({"pipeline", "text-classification", "--model", "./no/such/folder", "Hi"}), "does not exist");

  // id2label without a label for one of the model's outputs.
  cuddle::test::TempDir tmp;
  for (const auto& e : fs::directory_iterator(seqcls)) fs::copy(e.path(), tmp / e.path().filename().string());
  auto cfg = nlohmann::json::parse(cuddle::test::read_file(tmp / "config.json"));
  cfg["id2label"] = {{"0", "negative"}, {"1", "neutral"}, {"7", "positive"}};
  cfg.erase("label2id");
  cuddle::test::write_file(tmp / "config.json", cfg.dump());
  expect_error(run_cli({"pipeline", "text-classification", "--model", tmp.path(), "--top-k", "0", "Hi"}),
               "\"id2label\" has no label for class 2");
}
