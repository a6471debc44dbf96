// `cuddle bench model` reports what it measured in the documented JSON shape, checks logits
// against a reference first, and fails cleanly on bad input. Times are never asserted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

using cuddle::test::fixture;
using cuddle::test::run_cli;

TEST(BenchCli, ReportsEveryFigureAsJson) {
  auto r = run_cli({"bench", "model", fixture("models/bert-seqcls"), "--seq", "32", "--batch", "1,2",
                    "--reps", "2", "--no-peak", "--threads", "1", "--json", "--check",
                    fixture("models/bert-seqcls/reference.safetensors")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["class"], "BertForSequenceClassification");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_GT(j["load_ms"].get<double>(), 0.0);
  EXPECT_GT(j["first_forward_ms"].get<double>(), 0.0);
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 0.0);
  EXPECT_GT(j["gflop_per_sequence"].get<double>(), 0.0);
  // The reference logits are transformers' own: the check must agree to fp32 precision.
  EXPECT_LT(j["check_max_abs_diff"].get<double>(), 1e-4);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["batch"], 1);
  EXPECT_EQ(j["results"][1]["batch"], 2);
  EXPECT_EQ(j["results"][1]["reps"], 2);
  EXPECT_GT(j["results"][0]["median_ms"].get<double>(), 0.0);
  EXPECT_LE(j["results"][0]["min_ms"].get<double>(), j["results"][0]["median_ms"].get<double>());
}

TEST(BenchCli, FlopCountMatchesTheArchitecture) {
  // bert-seqcls: 2 layers, hidden 32, intermediate 64, 3 labels. Per token and layer the
  // projections are 4*32*32 + 2*32*64 weights; the pooler and classifier see one token.
  auto r = run_cli({"bench", "model", fixture("models/bert-seqcls"), "--seq", "10", "--batch", "1",
                    "--reps", "1", "--no-peak", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const double per_layer = 2.0 * 10 * (4 * 32 * 32 + 2 * 32 * 64) + 4.0 * 10 * 10 * 32;
  const double heads = 2.0 * (32 * 32 + 3 * 32);
  EXPECT_DOUBLE_EQ(j["gflop_per_sequence"].get<double>() * 1e9, 2 * per_layer + heads);
}

TEST(BenchCli, BadInputIsOneClearLine) {
  auto r = run_cli({"bench", "model", "/nonexistent/model", "--no-peak"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cuddle: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/model"), std::string::npos) << r.err;
  auto bad_batch = run_cli({"bench", "model", fixture("models/bert-seqcls"), "--batch", "0"});
  EXPECT_NE(bad_batch.exit_code, 0);
}

TEST(BenchCli, TokenizerReportsLoadAndThroughput) {
  cuddle::test::TempDir dir;
  const std::string corpus = dir.path() + "/corpus.txt";
  // Two non-empty lines (the empty one is skipped); joined by '\n' they are 22 bytes.
  cuddle::test::write_file(corpus, "hello world\n\nunaffable!\n");
  auto r = run_cli({"bench", "tokenizer", fixture("tokenizers/wordpiece"), "--corpus", corpus, "--threads", "2",
                    "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["lines"], 2);
  EXPECT_DOUBLE_EQ(j["MB"].get<double>(), 22e-6);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_GT(j["tokens"].get<int>(), 2);
  EXPECT_GT(j["load_ms"].get<double>(), 0.0);
  EXPECT_GT(j["single_MBps"].get<double>(), 0.0);
  EXPECT_GT(j["batch_MBps"].get<double>(), 0.0);
}

TEST(BenchCli, TokenizerBadInputIsOneClearLine) {
  auto no_corpus = run_cli({"bench", "tokenizer", fixture("tokenizers/wordpiece"), "--corpus", "/nonexistent/c.txt"});
  EXPECT_NE(no_corpus.exit_code, 0);
  EXPECT_NE(no_corpus.err.find("/nonexistent/c.txt"), std::string::npos) << no_corpus.err;
  auto no_file = run_cli({"bench", "tokenizer", "/nonexistent/tokenizer.json", "--corpus", "/nonexistent/c.txt"});
  EXPECT_NE(no_file.exit_code, 0);
  EXPECT_NE(no_file.err.find("/nonexistent/tokenizer.json"), std::string::npos) << no_file.err;
}
