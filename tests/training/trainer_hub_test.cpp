// push_to_hub from `cuddle train` against a local `cuddle hub serve`: the final model at the
// repo root (no checkpoints), and with hub_strategy checkpoint the last checkpoint under
// last-checkpoint/ with its optimizer state, as the Trainer publishes them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hub/hub_test_util.h"

namespace cuddle {
namespace {

namespace fs = std::filesystem;

// The child reads the endpoint and token from the environment, as huggingface_hub does;
// the other tests of this executable must not see them.
struct HubEnvironment {
  HubEnvironment(const std::string& endpoint, const std::string& home) {
    setenv("HF_ENDPOINT", endpoint.c_str(), 1);
    setenv("HF_TOKEN", test::kToken.c_str(), 1);
    setenv("HF_HOME", home.c_str(), 1);
  }
  ~HubEnvironment() {
    for (const char* v : {"HF_ENDPOINT", "HF_TOKEN", "HF_HOME"}) unsetenv(v);
  }
};

TEST(TrainerHub, PushesTheModelAndTheLastCheckpoint) {
  test::HubServer server;
  test::TempDir tmp;
  const HubEnvironment env(server.url(), tmp / "hf");
  const std::string src = test::fixture("models/train-bert-seqcls");
  const std::string model = tmp / "model";
  fs::create_directories(model);
  for (const char* f : {"initial/model.safetensors", "initial/config.json", "tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(src + "/" + f, model + "/" + fs::path(f).filename().string());
  const auto ref = nlohmann::json::parse(test::read_file(src + "/reference.json"));
  std::string rows;
  for (size_t i = 0; i < ref["texts"].size(); ++i)
    rows += nlohmann::json{{"text", ref["texts"][i]}, {"label", ref["labels"][i]}}.dump() + "\n";
  test::write_file(tmp / "train.jsonl", rows);
  const auto r = test::run_cli({"train", "text-classification", "--model", model, "--train_file", tmp / "train.jsonl",
                                "--output_dir", tmp / "tiny-run", "--max_steps", "8", "--save_steps", "4",
                                "--report_to", "none", "--push_to_hub", "--hub_model_id", "org/tiny-run",
                                "--hub_strategy", "checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tree = hub::list_repo_tree(server.config(tmp / "cache"), "org/tiny-run");
  std::vector<std::string> paths;
  for (const auto& e : tree)
    if (e.type == "file") paths.push_back(e.path);
  auto has = [&](const std::string& p) { return std::find(paths.begin(), paths.end(), p) != paths.end(); };
  for (const char* f : {"model.safetensors", "config.json", "tokenizer.json", "training_args.json",
                        "trainer_state.json", "train_results.json", "last-checkpoint/model.safetensors",
                        "last-checkpoint/optimizer.safetensors", "last-checkpoint/trainer_state.json"})
    EXPECT_TRUE(has(f)) << f;
  for (const auto& p : paths) EXPECT_FALSE(p.starts_with("checkpoint-")) << p;
  // The pushed weights are the final ones.
  const auto snap = hub::snapshot_download(server.config(tmp / "cache2"), "org/tiny-run");
  EXPECT_EQ(test::read_file(snap + "/model.safetensors"), test::read_file(tmp / "tiny-run/model.safetensors"));
}

}  // namespace
}  // namespace cuddle
