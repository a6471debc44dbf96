// The CLI with adapters: `cuddle peft merge`, `cuddle pipeline --model ADAPTER_DIR`,
// `--adapter` beside a base model on pipeline and forward.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "lora_util.h"
#include "test_util.h"

namespace cuddle {
namespace {

namespace fs = std::filesystem;
using test::fixture;
using test::max_abs_diff;

// The lora-bert-seqcls adapter with base_model_name_or_path pointing at the vendored base.
std::string adapter_copy(const test::TempDir& tmp) {
  const std::string dir = tmp / "adapter";
  fs::create_directories(dir);
  fs::copy_file(fixture("models/lora-bert-seqcls/adapter_model.safetensors"), dir + "/adapter_model.safetensors");
  auto cfg = nlohmann::json::parse(test::read_file(fixture("models/lora-bert-seqcls/adapter_config.json")));
  cfg["base_model_name_or_path"] = fs::absolute(fixture("models/bert-seqcls")).string();
  test::write_file(dir + "/adapter_config.json", cfg.dump(2));
  return dir;
}

TEST(PeftCli, MergeWritesAFolderThatLoadsWithTheMergedLogits) {
  test::TempDir tmp;
  const std::string adapter = adapter_copy(tmp);
  const auto r = test::run_cli({"peft", "merge", "--adapter", adapter, "--out", tmp / "merged", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(tmp / ("merged/" + std::string(f)))) << f;
  auto merged = load_model(tmp / "merged", ModelTask::SequenceClassification);
  const std::string ref_path = fixture("models/lora-bert-seqcls/reference.safetensors");
  const SafetensorsFile ref = SafetensorsFile::open(ref_path);
  EXPECT_LT(max_abs_diff(merged->forward(test::reference_inputs(ref_path), false).get("logits"),
                         ref.tensor("logits_merged")),
            1e-4);
  // The pipeline gives the same answer from the adapter folder, from --adapter beside the
  // base, and from the merged folder.
  auto run = [&](std::vector<std::string> model_args) {
    std::vector<std::string> args = {"pipeline", "text-classification", "--top-k", "0", "--json"};
    args.insert(args.end(), model_args.begin(), model_args.end());
    args.push_back("The quick brown fox jumps over the lazy dog.");
    const auto res = test::run_cli(args);
    EXPECT_EQ(res.exit_code, 0) << res.err;
    return nlohmann::json::parse(res.out.empty() ? "null" : res.out);
  };
  const auto from_adapter = run({"--model", adapter});
  const auto beside = run({"--model", fixture("models/bert-seqcls"), "--adapter", adapter});
  const auto from_merged = run({"--model", tmp / "merged"});
  const auto plain = run({"--model", fixture("models/bert-seqcls")});
  ASSERT_TRUE(from_adapter.is_array());
  EXPECT_EQ(from_adapter, beside);
  for (size_t i = 0; i < from_adapter[0].size(); ++i) {
    EXPECT_EQ(from_adapter[0][i]["label"], from_merged[0][i]["label"]);
    EXPECT_NEAR(from_adapter[0][i]["score"].get<double>(), from_merged[0][i]["score"].get<double>(), 1e-5);
  }
  EXPECT_NE(from_adapter, plain);
}

TEST(PeftCli, ForwardWithAdapter) {
  test::TempDir tmp;
  const std::string adapter = adapter_copy(tmp);
  const std::string ref_path = fixture("models/lora-bert-seqcls/reference.safetensors");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"forward", fixture("models/bert-seqcls"), "--adapter", adapter},
           {"forward", adapter}}) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--inputs", ref_path, "--out", tmp / "out.safetensors"});
    const auto r = test::run_cli(a);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const SafetensorsFile out = SafetensorsFile::open(tmp / "out.safetensors");
    EXPECT_LT(max_abs_diff(out.tensor("logits"), SafetensorsFile::open(ref_path).tensor("logits_with_adapter")), 1e-4);
  }
}

// GPT-2 with a LoRA adapter on c_attn (one Conv1D, fan_in_fan_out): text-generation with
// --adapter beside the base writes what the merged folder writes, and not what the base does.
TEST(PeftCli, Gpt2TextGenerationWithConv1DAdapter) {
  test::TempDir tmp;
  const std::string base = fixture("models/gpt2-causal"), adapter = fixture("peft/lora-layers/conv1d");
  const auto merged = test::run_cli({"peft", "merge", "--adapter", adapter, "--base", base, "--out", tmp / "merged"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  auto run = [&](std::vector<std::string> model_args) {
    std::vector<std::string> args = {"pipeline", "text-generation", "--max-new-tokens", "8", "--json"};
    args.insert(args.end(), model_args.begin(), model_args.end());
    args.push_back("Once upon a time");
    const auto res = test::run_cli(args);
    EXPECT_EQ(res.exit_code, 0) << res.err;
    return res.out;
  };
  const std::string with_adapter = run({"--model", base, "--adapter", adapter});
  EXPECT_EQ(with_adapter, run({"--model", tmp / "merged"}));
  EXPECT_NE(with_adapter, run({"--model", base}));
}

// `cuddle train --use_peft` with a Conv2d LoRA on the digits ResNet (from its config, about
// a second): 0.80% of the parameters train (r 1 on one 3x3 convolution, the classifier in
// full) and the loss falls; the adapter is saved with peft's keys.
TEST(PeftCli, TrainsAConv2dAdapterOnResnetDigits) {
  test::TempDir tmp;
  const auto r = test::run_cli(
      {"train", "image-classification", "--model", fixture("real/digits-resnet-config"), "--dataset_name",
       fixture("real/digits"), "--do_train", "--output_dir", tmp / "out", "--num_train_epochs", "2",
       "--per_device_train_batch_size", "64", "--learning_rate", "2e-2", "--save_strategy", "no", "--logging_steps",
       "7", "--report_to", "none", "--use_peft", "--lora_r", "1", "--lora_alpha", "2", "--lora_target_modules",
       "stages.3.layers.0.layer.1.convolution", "--lora_modules_to_save", "classifier.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("trainable params: 1,290 || all params: 160,516 || trainable%: 0.8037"), std::string::npos)
      << r.err;
  const auto state = nlohmann::json::parse(test::read_file(tmp / "out/trainer_state.json"));
  std::vector<double> losses;
  for (const auto& h : state["log_history"])
    if (h.contains("loss")) losses.push_back(h["loss"]);
  ASSERT_GE(losses.size(), 3u);
  std::cout << "digits-resnet LoRA: loss " << losses.front() << " -> " << losses.back() << "\n";
  EXPECT_LT(losses.back(), losses.front() - 0.3);
  const SafetensorsFile saved = SafetensorsFile::open(tmp / "out/adapter_model.safetensors");
  const std::string conv = "base_model.model.resnet.encoder.stages.3.layers.0.layer.1.convolution.";
  EXPECT_EQ(saved.tensor(conv + "lora_A.weight").shape(), (Shape{1, 64, 3, 3}));
  EXPECT_EQ(saved.tensor(conv + "lora_B.weight").shape(), (Shape{64, 1, 1, 1}));
}

TEST(PeftCli, BadAdapterIsOneLineError) {
  test::TempDir tmp;
  const auto r = test::run_cli({"peft", "merge", "--adapter", fixture("models/lora-llama-causal"), "--base",
                                fixture("models/bert-seqcls"), "--out", tmp / "x"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("another architecture"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "x/model.safetensors"));
}

}  // namespace
}  // namespace cuddle
