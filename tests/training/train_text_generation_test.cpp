// `cuddle train text-generation` (run_clm.py) end to end on gpt2-causal: a text file is
// grouped into blocks, training lowers the held-out loss, eval_results.json has
// perplexity = exp(eval_loss) and the next-token accuracy, the output folder works with
// `cuddle generate` and `cuddle eval perplexity`; a config-only folder trains from scratch;
// a missing text column is one clear error; LoRA and QLoRA adapters on causal LMs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace cuddle {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

std::string corpus() {
  const char* lines[] = {"the cat sat on the mat", "a dog ran in the park", "the sun is warm today",
                         "we read a book at night", "the bird sang a song", ""};
  std::string text;
  for (int i = 0; i < 240; ++i) text += std::string(lines[i % 6]) + "\n";
  return text;
}

nlohmann::json results(const std::string& dir) { return nlohmann::json::parse(test::read_file(dir + "/eval_results.json")); }

TEST(TrainTextGeneration, TrainsGpt2AndTheFolderGeneratesAndScores) {
  test::TempDir tmp;
  test::write_file(tmp / "data.txt", corpus());
  const std::string model = test::fixture("models/gpt2-causal");
  const std::vector<std::string> common = {"--train_file", tmp / "data.txt", "--block_size", "32",
                                           "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "4",
                                           "--seed", "1"};
  auto with = [&](std::vector<std::string> v) {
    std::vector<std::string> all = {"train", "text-generation", "--model", model};
    all.insert(all.end(), common.begin(), common.end());
    all.insert(all.end(), v.begin(), v.end());
    return all;
  };
  const auto before = run_cli(with({"--do_eval", "--output_dir", tmp / "before"}));
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const auto trained = run_cli(with({"--do_train", "--do_eval", "--num_train_epochs", "3", "--learning_rate", "3e-3",
                                     "--output_dir", tmp / "out"}));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const nlohmann::json b = results(tmp / "before"), a = results(tmp / "out");
  EXPECT_LT(a["eval_loss"].get<double>(), b["eval_loss"].get<double>() - 1.0);
  EXPECT_NEAR(a["perplexity"].get<double>(), std::exp(a["eval_loss"].get<double>()), 1e-9 * a["perplexity"].get<double>());
  EXPECT_GT(a["eval_accuracy"].get<double>(), b["eval_accuracy"].get<double>());
  EXPECT_TRUE(fs::exists(tmp / "out/model.safetensors"));
  EXPECT_TRUE(fs::exists(tmp / "out/tokenizer.json"));

  const auto gen = run_cli({"generate", "--model", tmp / "out", "the cat", "--max_new_tokens", "4", "--json"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const auto ppl = run_cli({"eval", "perplexity", "--model", tmp / "out", "--input", tmp / "data.txt", "--block_size",
                            "32", "--json"});
  ASSERT_EQ(ppl.exit_code, 0) << ppl.err;
  EXPECT_LT(nlohmann::json::parse(ppl.out)["perplexity"].get<double>(), b["perplexity"].get<double>());
}

// LoRA and QLoRA on a causal LM (llama-causal: GQA, bf16 weights): peft's CAUSAL_LM adapter
// on q_proj / v_proj trains (loss falls) over the frozen base, in f32 and over the nf4-
// quantized base, the two runs' losses within what nf4 rounding costs; the adapter folder
// runs in the text-generation pipeline over the 4-bit base. GPT-2 (Conv1D) adapts too.
TEST(TrainTextGeneration, LoraAndQloraOnACausalLm) {
  test::TempDir tmp;
  test::write_file(tmp / "data.txt", corpus());
  // llama-causal with the Llama-2 tokenizer (the vendored copy lives with the tokenizers).
  const std::string llama = tmp / "llama";
  fs::copy(test::fixture("models/llama-causal"), llama);
  fs::copy_file(test::fixture("tokenizers/llama2/tokenizer.json"), llama + "/tokenizer.json");
  auto run = [&](const std::string& model, const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> all = {"train", "text-generation", "--model", model, "--train_file",
                                    tmp / "data.txt", "--block_size", "32", "--per_device_train_batch_size", "4",
                                    "--num_train_epochs", "2", "--learning_rate", "5e-3", "--logging_steps", "1",
                                    "--report_to", "none", "--use_peft", "--lora_r", "8", "--output_dir", tmp / out};
    all.insert(all.end(), extra.begin(), extra.end());
    const auto r = run_cli(all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<double> losses;
    const auto state = nlohmann::json::parse(test::read_file(tmp / (out + "/trainer_state.json")));
    for (const auto& e : state["log_history"])
      if (e.contains("loss")) losses.push_back(e["loss"].get<double>());
    return losses;
  };
  const auto lora = run(llama, "lora", {});
  const auto qlora = run(llama, "qlora", {"--load_in_4bit", "--bnb_4bit_quant_type", "nf4"});
  ASSERT_GE(lora.size(), 4u);
  ASSERT_EQ(lora.size(), qlora.size());
  EXPECT_LT(lora.back(), lora.front());
  EXPECT_LT(qlora.back(), qlora.front());
  for (size_t i = 0; i < lora.size(); ++i) EXPECT_NEAR(qlora[i], lora[i], 0.01 * lora[i]) << i;
  const auto cfg = nlohmann::json::parse(test::read_file(tmp / "qlora/adapter_config.json"));
  EXPECT_EQ(cfg["task_type"], "CAUSAL_LM");
  EXPECT_EQ(cfg["target_modules"].size(), 2u);
  EXPECT_FALSE(fs::exists(tmp / "qlora/model.safetensors"));
  const auto gen = run_cli({"pipeline", "text-generation", "--model", llama, "--adapter",
                            tmp / "qlora", "--load_in_4bit", "--bnb_4bit_quant_type", "nf4", "the cat"});
  EXPECT_EQ(gen.exit_code, 0) << gen.err;
  // GPT-2's fused c_attn (a Conv1D: fan_in_fan_out) is peft's default target for gpt2.
  const auto gpt2 = run(test::fixture("models/gpt2-causal"), "gpt2", {});
  EXPECT_LT(gpt2.back(), gpt2.front());
  const auto gcfg = nlohmann::json::parse(test::read_file(tmp / "gpt2/adapter_config.json"));
  EXPECT_EQ(gcfg["fan_in_fan_out"], true);
  // QLoRA on GPT-2: the Conv1D projections quantized (their transposed weight, as
  // bitsandbytes holds them) under the same adapter, tracking the f32 run.
  const auto gpt2_q = run(test::fixture("models/gpt2-causal"), "gpt2-q", {"--load_in_8bit"});
  ASSERT_EQ(gpt2_q.size(), gpt2.size());
  for (size_t i = 0; i < gpt2.size(); ++i) EXPECT_NEAR(gpt2_q[i], gpt2[i], 0.01 * gpt2[i]) << i;
}

TEST(TrainTextGeneration, ConfigOnlyFolderTrainsFromScratch) {
  test::TempDir tmp;
  test::write_file(tmp / "data.txt", corpus());
  fs::create_directories(tmp / "fresh");
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
    fs::copy_file(test::fixture(std::string("models/gpt2-causal/") + f), (tmp / "fresh") + "/" + f);
  const auto r = run_cli({"train", "text-generation", "--model", tmp / "fresh", "--train_file", tmp / "data.txt",
                          "--block_size", "16", "--max_steps", "3", "--output_dir", tmp / "out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("training a new model from its config"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(tmp / "out/model.safetensors"));
}

TEST(TrainTextGeneration, MissingTextColumnIsOneClearError) {
  test::TempDir tmp;
  test::write_file(tmp / "data.jsonl", "{\"body\": \"hello\"}\n");
  const auto r = run_cli({"train", "text-generation", "--model", test::fixture("models/gpt2-causal"), "--train_file",
                          tmp / "data.jsonl", "--output_dir", tmp / "out"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("the text column \"text\" does not exist (columns: body)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cuddle
