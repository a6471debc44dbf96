// `cuddle generate` and `cuddle eval perplexity` on the command line: transformers'
// greedy continuation of gpt2-causal ("Hello world" is the fixture's prompt p0), streamed
// and as JSON; perplexity of a JSON Lines file equal to perplexity() over the same texts
// joined by the end token; one clear error line for each bad argument.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../pipelines/cli_expect.h"
#include "cuddle/generation.h"
#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "cuddle/tokenizer.h"
#include "test_util.h"

using namespace cuddle;
using test::expect_error;
using test::run_cli;

namespace {

const std::string kGpt2 = test::fixture("models/gpt2-causal");

TEST(GenerateCli, GreedyContinuationStreamedAndAsJson) {
  auto streamed = run_cli({"generate", "--model", kGpt2, "Hello world", "--max_new_tokens", "8"});
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(streamed.out, "Hello worldldebebebebebebeb\n");  // reference.json's pipeline output

  auto js = run_cli({"generate", kGpt2, "--prompt", "Hello world", "--max-new-tokens", "8", "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const auto j = nlohmann::json::parse(js.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["text"], "ldebebebebebebeb");
  SafetensorsFile ref = SafetensorsFile::open(kGpt2 + "/reference.safetensors");
  EXPECT_EQ(ref.tensor("p0:input_ids").to_int_vector(), (std::vector<int64_t>{45, 1921, 1418, 1065}));
  EXPECT_EQ(j[0]["sequences"].get<std::vector<int64_t>>(), ref.tensor("p0:greedy_ids").to_int_vector());
}

TEST(GenerateCli, SeededSamplingRepeats) {
  const std::vector<std::string> args = {"generate", "--model", kGpt2, "Hello", "--max_new_tokens", "6",
                                         "--do_sample", "--temperature", "1.3", "--top_k", "20",
                                         "--top_p", "0.9", "--seed", "7", "--json"};
  auto a = run_cli(args), b = run_cli(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(GenerateCli, BadArgumentsAreOneErrorLine) {
  expect_error(run_cli({"generate", "--model", kGpt2, "Hi", "--num_beams", "2", "--num_return_sequences", "3"}),
               "num_return_sequences must be in 1..num_beams (2), got 3");
  expect_error(run_cli({"generate", "--model", kGpt2, "Hi", "--top_p", "1.5"}), "top_p must be in (0, 1], got 1.5");
  expect_error(run_cli({"generate", "--model", kGpt2, "Hi", "--max_new_tokens", "100"}),
               "exceeds the model's 64 positions");
  expect_error(run_cli({"generate", "--model", kGpt2}), "no prompt");
  expect_error(run_cli({"generate", "--model", test::fixture("models/bert-seqcls"), "Hi"}), "AutoModelForCausalLM");
}

TEST(GenerateCli, TextGenerationPipelineCommand) {
  auto r = run_cli({"pipeline", "text-generation", "--model", kGpt2, "--max_new_tokens", "8", "Hello world", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::parse(R"([[{"generated_text": "Hello worldldebebebebebebeb"}]])"));
  auto tail = run_cli({"pipeline", "text-generation", "--model", kGpt2, "--max-new-tokens", "8", "--no-full-text",
                       "Hello world", "--json"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_EQ(nlohmann::json::parse(tail.out), nlohmann::json::parse(R"([[{"generated_text": "ldebebebebebebeb"}]])"));
}

TEST(ForwardCli, CausalLmLogitsMatchTransformers) {
  // cuddle forward on llama-causal: logits of prompt p1 within 1e-4 of transformers'.
  const std::string dir = test::fixture("models/llama-causal");
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  const Tensor ids = ref.tensor("p1:input_ids");
  test::TempDir tmp;
  save_safetensors(tmp / "in.safetensors", {{"input_ids", ids.reshape({1, ids.size(0)})}});
  auto r = run_cli({"forward", dir, "--inputs", tmp / "in.safetensors", "--out", tmp / "out.safetensors"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("LlamaForCausalLM"), std::string::npos) << r.out;
  SafetensorsFile out = SafetensorsFile::open(tmp / "out.safetensors");
  const std::vector<float> got = out.tensor("logits").to_float_vector(), want = ref.tensor("p1:logits").to_float_vector();
  ASSERT_EQ(got.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::fabs(got[i] - want[i])));
  EXPECT_LT(worst, 1e-4);
  EXPECT_TRUE(out.contains("hidden_states.2"));  // embeddings + 2 layers
}

TEST(PerplexityCli, JsonLinesEqualTheLibraryOnTheJoinedTexts) {
  test::TempDir tmp;
  const std::vector<std::string> texts = {"Hello world, this is a test.", "The quick brown fox jumps over the lazy dog.",
                                          "Another line of text to score."};
  std::string jsonl;
  for (size_t i = 0; i < texts.size(); ++i)
    jsonl += (i % 2 ? nlohmann::json{{"text", texts[i]}} : nlohmann::json(texts[i])).dump() + "\n";
  test::write_file(tmp / "data.jsonl", jsonl);
  auto r = run_cli({"eval", "perplexity", "--model", kGpt2, "--input", tmp / "data.jsonl", "--block_size", "16",
                    "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);

  auto model = AutoModelForCausalLM::from_pretrained(kGpt2);
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kGpt2);
  std::string joined;
  for (const auto& t : texts) joined += t + "<|endoftext|>";
  const Encoding enc = tok.tokenizer().encode(joined, false);
  const PerplexityResult want =
      perplexity(as_causal_lm(*model), std::vector<int64_t>(enc.ids.begin(), enc.ids.end()), 16, 0);
  EXPECT_EQ(j["tokens"].get<int64_t>(), want.tokens);
  EXPECT_EQ(j["input_tokens"].get<size_t>(), enc.ids.size());
  EXPECT_NEAR(j["perplexity"].get<double>(), want.perplexity, 1e-9 * want.perplexity);

  auto text = run_cli({"eval", "perplexity", "--model", kGpt2, "--input", tmp / "data.jsonl", "--stride", "8"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("perplexity ", 0), 0u) << text.out;

  expect_error(run_cli({"eval", "perplexity", "--model", kGpt2, "--input", tmp / "data.jsonl"}),
               "give --block_size N or --stride S");
  test::write_file(tmp / "bad.jsonl", "\"ok\"\n{\"txt\": 1}\n");
  expect_error(run_cli({"eval", "perplexity", "--model", kGpt2, "--input", tmp / "bad.jsonl", "--block_size", "4"}),
               "bad.jsonl:2: expected a JSON string or {\"text\": \"...\"}");
}

}  // namespace
