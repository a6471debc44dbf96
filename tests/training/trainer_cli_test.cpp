// `cuddle train text-classification` end to end: the train-bert-seqcls trajectory of
// transformers 5.17 reproduced through the Trainer (per-step loss and grad_norm within
// 1e-4 relative, final weights within 1e-4), the checkpoint layout and rotation, resume
// after a kill giving bitwise-identical weights, early stopping, and one clear error for
// each kind of bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cuddle/models.h"
#include "cuddle/nn.h"
#include "cuddle/quant.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

namespace cuddle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::fixture;
using test::run_cli;
using test::TempDir;

json read_json(const std::string& path) { return json::parse(test::read_file(path)); }

const json& reference() {
  static const json ref = read_json(fixture("models/train-bert-seqcls/reference.json"));
  return ref;
}

// A model folder: the trajectory's initial weights with its tokenizer; `dropout` rewrites
// the config's dropout probabilities (0 in the reference).
std::string make_model(const TempDir& dir, double dropout = 0.0) {
  const std::string m = dir / "model";
  fs::create_directories(m);
  const std::string src = fixture("models/train-bert-seqcls");
  fs::copy_file(src + "/initial/model.safetensors", m + "/model.safetensors");
  fs::copy_file(src + "/tokenizer.json", m + "/tokenizer.json");
  fs::copy_file(src + "/tokenizer_config.json", m + "/tokenizer_config.json");
  json cfg = read_json(src + "/initial/config.json");
  cfg["hidden_dropout_prob"] = dropout;
  test::write_file(m + "/config.json", cfg.dump(2));
  return m;
}

// The reference texts and labels as JSON Lines; `label_names` writes names instead of ids.
std::string make_data(const TempDir& dir, const std::string& name, bool label_names = false) {
  std::string out;
  const json& ref = reference();
  const char* names[] = {"negative", "neutral", "positive"};
  for (size_t i = 0; i < ref["texts"].size(); ++i) {
    json row = {{"text", ref["texts"][i]}};
    const int64_t label = ref["labels"][i].get<int64_t>();
    row["label"] = label_names ? json(names[label]) : json(label);
    out += row.dump() + "\n";
  }
  test::write_file(dir / name, out);
  return dir / name;
}

// The reference's hyperparameters as flags.
std::vector<std::string> reference_flags(const std::string& model, const std::string& data, const std::string& out) {
  return {"train", "text-classification", "--model", model, "--train_file", data, "--output_dir", out,
          "--per_device_train_batch_size", "8", "--num_train_epochs", "2", "--learning_rate", "1e-3",
          "--weight_decay", "0.01", "--warmup_steps", "2", "--max_seq_length", "32", "--pad_to_max_length",
          "false", "--shuffle_train", "false", "--logging_steps", "1", "--report_to", "none"};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-12); }

TEST(TrainerCli, ReproducesTheReferenceTrajectory) {
  TempDir tmp;
  const auto r = run_cli(plus(reference_flags(make_model(tmp), make_data(tmp, "train.jsonl"), tmp / "out"),
                              {"--save_strategy", "no"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json state = read_json(tmp / "out/trainer_state.json");
  const json& history = reference()["history"];
  std::vector<json> steps;
  for (const auto& e : state["log_history"])
    if (e.contains("loss")) steps.push_back(e);
  ASSERT_EQ(steps.size(), history.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i + 1));
    EXPECT_EQ(steps[i]["step"], history[i]["step"]);
    EXPECT_LT(rel(steps[i]["loss"], history[i]["loss"]), 1e-4);
    EXPECT_LT(rel(steps[i]["grad_norm"], history[i]["grad_norm"]), 1e-4);
    EXPECT_NEAR(steps[i]["learning_rate"].get<double>(), history[i]["lr"].get<double>(), 1e-12);
    EXPECT_DOUBLE_EQ(steps[i]["epoch"].get<double>(), 0.25 * double(i + 1));
  }
  EXPECT_EQ(state["global_step"], 8);
  EXPECT_EQ(state["max_steps"], 8);
  EXPECT_TRUE(state["log_history"].back().contains("train_runtime"));

  // The final weights in output_dir equal the reference's within 1e-4.
  const auto got = SafetensorsCheckpoint::open(tmp / "out");
  const auto want = SafetensorsCheckpoint::open(fixture("models/train-bert-seqcls/final_params.safetensors"));
  size_t compared = 0;
  for (const auto& name : want.names()) {
    const Tensor a = got.tensor(name).to(DType::F32), b = want.tensor(name).to(DType::F32);
    ASSERT_EQ(a.shape(), b.shape()) << name;
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
      worst = std::max(worst, double(std::abs(a.data<float>()[i] - b.data<float>()[i])));
    EXPECT_LT(worst, 1e-4) << name;
    ++compared;
  }
  EXPECT_GT(compared, 10u);
  // The example scripts' files.
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                        "training_args.json", "trainer_state.json", "train_results.json", "all_results.json"})
    EXPECT_TRUE(fs::exists(tmp / ("out/" + std::string(f)))) << f;
  EXPECT_EQ(read_json(tmp / "out/train_results.json")["train_samples"], 32);
  EXPECT_EQ(read_json(tmp / "out/config.json")["id2label"]["2"], "positive");
}

// The train-lora-bert-seqcls run's inputs: its base model with the tokenizer in `model`,
// its texts and labels as tmp/train.jsonl. Returns the reference.
json make_lora_run(const TempDir& tmp, const std::string& src, const std::string& model) {
  fs::create_directories(model);
  for (const char* f : {"base/model.safetensors", "base/config.json", "tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(src + "/" + f, model + "/" + fs::path(f).filename().string());
  const json ref = read_json(src + "/reference.json");
  std::string rows;
  for (size_t i = 0; i < ref["texts"].size(); ++i)
    rows += json{{"text", ref["texts"][i]}, {"label", ref["labels"][i]}}.dump() + "\n";
  test::write_file(tmp / "train.jsonl", rows);
  return ref;
}

// The train-lora-bert-seqcls trajectory (peft 0.21) through `cuddle train --use_peft`,
// starting from the recorded initial adapter: per-step loss and grad_norm within 1e-4
// relative, the saved adapter within 1e-4 of the reference's final LoRA and head weights.
TEST(TrainerCli, LoraThroughUsePeftReproducesTheReference) {
  TempDir tmp;
  const std::string src = fixture("models/train-lora-bert-seqcls");
  const std::string model = tmp / "model";
  const json ref = make_lora_run(tmp, src, model);
  const auto r = run_cli(plus(reference_flags(model, tmp / "train.jsonl", tmp / "out"),
                              {"--use_peft", "--adapter", src + "/initial_adapter", "--save_steps", "4"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("trainable%: 0.6884"), std::string::npos) << r.err;
  const json state = read_json(tmp / "out/trainer_state.json");
  std::vector<json> steps;
  for (const auto& e : state["log_history"])
    if (e.contains("loss")) steps.push_back(e);
  ASSERT_EQ(steps.size(), ref["history"].size());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_LT(rel(steps[i]["loss"], ref["history"][i]["loss"]), 1e-4) << i;
    EXPECT_LT(rel(steps[i]["grad_norm"], ref["history"][i]["grad_norm"]), 1e-4) << i;
  }
  // Adapter files in output_dir and in every checkpoint, as the Trainer saves a PeftModel.
  for (const char* dir : {"out", "out/checkpoint-4", "out/checkpoint-8"}) {
    EXPECT_TRUE(fs::exists(tmp / (std::string(dir) + "/adapter_config.json"))) << dir;
    EXPECT_FALSE(fs::exists(tmp / (std::string(dir) + "/model.safetensors"))) << dir;
  }
  const auto got = SafetensorsCheckpoint::open(tmp / "out/adapter_model.safetensors");
  const auto want = SafetensorsCheckpoint::open(src + "/final_params.safetensors");
  size_t compared = 0;
  for (const auto& name : got.names()) {
    // The live names carry the adapter name, as peft's state_dict does.
    std::string live = name;
    for (const char* part : {".lora_A.", ".lora_B."})
      if (const size_t at = live.find(part); at != std::string::npos) live.insert(at + 8, "default.");
    if (!want.contains(live) && live.starts_with("base_model.model.classifier."))
      live = "base_model.model.classifier.modules_to_save.default." + live.substr(28);
    ASSERT_TRUE(want.contains(live)) << name << " -> " << live;
    const Tensor a = got.tensor(name).to(DType::F32), b = want.tensor(live).to(DType::F32);
    ASSERT_EQ(a.shape(), b.shape()) << name;
    for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-4) << name;
    ++compared;
  }
  EXPECT_GE(compared, 4u);
  // Resume from the mid-run checkpoint gives the same adapter.
  const auto again = run_cli(plus(reference_flags(model, tmp / "train.jsonl", tmp / "out"),
                                  {"--use_peft", "--adapter", src + "/initial_adapter", "--save_steps", "4",
                                   "--resume_from_checkpoint", tmp / "out/checkpoint-4", "--overwrite_output_dir"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto resumed = SafetensorsCheckpoint::open(tmp / "out/adapter_model.safetensors");
  for (const auto& name : got.names()) {
    const Tensor a = got.tensor(name), b = resumed.tensor(name);
    EXPECT_EQ(0, std::memcmp(a.raw_data(), b.raw_data(), size_t(a.numel()) * 4)) << name;
  }
}

// QLoRA: `--load_in_4bit` (nf4, nested quant) trains the same adapter as plain LoRA on a
// base whose Linear weights were replaced by their dequantized nf4 values in f32, since the
// quantized layers pass gradients through the dequantized weight as bitsandbytes does: per-
// step loss and grad_norm within 1e-5 relative, final adapter within 1e-5. Also against
// the f32 trajectory: within 1% (what nf4 rounding costs on this tiny model).
TEST(TrainerCli, QloraEqualsLoraOnTheDequantizedBase) {
  TempDir tmp;
  const std::string src = fixture("models/train-lora-bert-seqcls");
  const std::string model = tmp / "model", deq = tmp / "dequantized";
  const json ref = make_lora_run(tmp, src, model);
  // The dequantized base, through the public API: quantize on load, then put each layer's
  // dequantized weight back as an ordinary f32 Linear.
  quant::BitsAndBytesConfig q;
  q.load_in_4bit = true;
  q.bnb_4bit_quant_type = "nf4";
  q.bnb_4bit_use_double_quant = true;
  auto m = quant::load_quantized_model(model, ModelTask::SequenceClassification, q);
  int quantized = 0;
  for (const auto& [name, module] : m->named_modules())
    if (auto* lin = dynamic_cast<nn::Linear*>(module); lin && lin->quantized) {
      lin->weight = lin->quantized->dequantized_weight();
      lin->quantized.reset();
      ++quantized;
    }
  ASSERT_GE(quantized, 12);  // q, k, v, o, two FFN per layer x 2 layers, at least
  save_pretrained(*m, deq);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy_file(model + "/" + f, deq + "/" + f);

  const std::vector<std::string> lora = {"--use_peft", "--adapter", src + "/initial_adapter", "--save_strategy", "no"};
  const auto a = run_cli(plus(plus(reference_flags(model, tmp / "train.jsonl", tmp / "qlora"), lora),
                              {"--load_in_4bit", "--bnb_4bit_quant_type", "nf4", "--use_bnb_nested_quant"}));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run_cli(plus(reference_flags(deq, tmp / "train.jsonl", tmp / "lora"), lora));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto steps = [&](const std::string& dir) {
    std::vector<json> out;
    const json state = read_json(dir + "/trainer_state.json");
    for (const auto& e : state["log_history"])
      if (e.contains("loss")) out.push_back(e);
    return out;
  };
  const auto got = steps(tmp / "qlora"), want = steps(tmp / "lora");
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got.size(), ref["history"].size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_LT(rel(got[i]["loss"], want[i]["loss"]), 1e-5) << i;
    EXPECT_LT(rel(got[i]["grad_norm"], want[i]["grad_norm"]), 1e-5) << i;
    EXPECT_LT(rel(got[i]["loss"], ref["history"][i]["loss"]), 1e-2) << i;
  }
  const auto qa = SafetensorsCheckpoint::open(tmp / "qlora/adapter_model.safetensors");
  const auto la = SafetensorsCheckpoint::open(tmp / "lora/adapter_model.safetensors");
  ASSERT_EQ(qa.names(), la.names());
  for (const auto& name : qa.names()) {
    const Tensor x = qa.tensor(name), y = la.tensor(name);
    for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(x.data<float>()[i], y.data<float>()[i], 1e-5) << name;
  }
  // The adapter is an ordinary peft adapter: it applies to the 4-bit base for inference.
  test::write_file(tmp / "one.txt", "a good film");
  const auto p = run_cli({"pipeline", "text-classification", "--model", model, "--adapter", tmp / "qlora",
                          "--load_in_4bit", "--bnb_4bit_quant_type", "nf4", "--input", tmp / "one.txt"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
  // Fine-tuning the quantized weights themselves is refused, as transformers does.
  const auto bad = run_cli(plus(reference_flags(model, tmp / "train.jsonl", tmp / "bad"), {"--load_in_4bit"}));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("add --use_peft"), std::string::npos) << bad.err;
}

TEST(TrainerCli, CheckpointLayoutRotationAndBestModel) {
  TempDir tmp;
  const std::string data = make_data(tmp, "train.jsonl");
  const auto r = run_cli(plus(reference_flags(make_model(tmp), data, tmp / "out"),
                              {"--validation_file", data, "--eval_strategy", "steps", "--eval_steps", "2",
                               "--save_strategy", "steps", "--save_steps", "2", "--save_total_limit", "2",
                               "--load_best_model_at_end", "--metric_for_best_model", "accuracy", "--do_train",
                               "--do_eval", "--report_to", "jsonl,tensorboard", "--metric_name", "accuracy,f1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json state = read_json(tmp / "out/trainer_state.json");
  // Two checkpoints stay: the last and the best (which rotation deletes last).
  std::vector<std::string> kept;
  for (const auto& e : fs::directory_iterator(tmp / "out"))
    if (e.is_directory() && e.path().filename().string().starts_with("checkpoint-"))
      kept.push_back(e.path().filename().string());
  std::sort(kept.begin(), kept.end());
  ASSERT_FALSE(state["best_model_checkpoint"].is_null());
  const std::string best = fs::path(state["best_model_checkpoint"].get<std::string>()).filename().string();
  EXPECT_EQ(kept.size(), 2u);
  EXPECT_NE(std::find(kept.begin(), kept.end(), best), kept.end()) << best;
  EXPECT_NE(std::find(kept.begin(), kept.end(), "checkpoint-8"), kept.end());
  for (const char* f : {"model.safetensors", "config.json", "tokenizer.json", "trainer_state.json",
                        "training_args.json", "optimizer.safetensors", "scheduler.json", "rng_state.json"})
    EXPECT_TRUE(fs::exists(tmp / ("out/checkpoint-8/" + std::string(f)))) << f;
  // trainer_state.json has the keys of the Trainer's own (real/trainer_layout).
  const json layout = read_json(fixture("trainer_layout/langid-bert/checkpoint-1248/trainer_state.json"));
  for (const auto& [key, value] : layout.items()) EXPECT_TRUE(state.contains(key)) << key;
  const json ckpt_state = read_json(tmp / "out/checkpoint-8/trainer_state.json");
  EXPECT_TRUE(ckpt_state["stateful_callbacks"].contains("TrainerControl"));
  // Evaluations are logged with the Trainer's keys; the jsonl report has every entry.
  size_t evals = 0;
  for (const auto& e : state["log_history"])
    if (e.contains("eval_accuracy")) {
      ++evals;
      for (const char* k : {"eval_loss", "eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "epoch"})
        EXPECT_TRUE(e.contains(k)) << k;
    }
  EXPECT_EQ(evals, 4u);  // steps 2, 4, 6, 8; the final --do_eval comes after save_state, as in the scripts
  std::ifstream log(tmp / "out/trainer_log.jsonl");
  size_t lines = 0;
  for (std::string line; std::getline(log, line);) ++lines;
  EXPECT_EQ(lines, state["log_history"].size() + 1);  // + the final evaluation
  // The final model is the best checkpoint's.
  const auto final_model = SafetensorsCheckpoint::open(tmp / "out");
  const auto best_model = SafetensorsCheckpoint::open(tmp / ("out/" + best));
  const Tensor a = final_model.tensor("classifier.weight"), b = best_model.tensor("classifier.weight");
  EXPECT_EQ(0, std::memcmp(a.raw_data(), b.raw_data(), size_t(a.numel()) * 4));
  EXPECT_TRUE(fs::exists(tmp / "out/eval_results.json"));
  EXPECT_TRUE(read_json(tmp / "out/eval_results.json").contains("eval_f1"));
  // TensorBoard event files under runs/, the model card, and `cuddle report` reads the run.
  bool events = false;
  for (const auto& e : fs::directory_iterator(tmp / "out/runs"))
    events = events || e.path().filename().string().starts_with("events.out.tfevents.");
  EXPECT_TRUE(events);
  const std::string card = test::read_file(tmp / "out/README.md");
  EXPECT_NE(card.find("generated_from_trainer"), std::string::npos);
  EXPECT_NE(card.find("model-index"), std::string::npos);
  const auto report = run_cli({"report", tmp / "out"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(test::read_file(tmp / "out/report.html").find("<svg"), std::string::npos);
}

// Runs the CLI in a child and SIGKILLs it once `marker` exists.
void run_and_kill_when(const std::vector<std::string>& args, const std::string& marker) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    freopen("/dev/null", "w", stdout);
    test::exec_cli(args);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  while (!fs::exists(marker) && std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) FAIL() << "the run ended before " << marker << " appeared";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

TEST(TrainerCli, ResumeAfterAKillGivesIdenticalWeights) {
  TempDir tmp;
  // Dropout on, shuffling on: the RNG state and the epoch order must come back too.
  const std::string model = make_model(tmp, 0.1), data = make_data(tmp, "train.jsonl");
  auto flags = [&](const std::string& out) {
    auto f = reference_flags(model, data, out);
    f = plus(f, {"--num_train_epochs", "4", "--save_steps", "3", "--shuffle_train", "true", "--seed", "7"});
    return f;
  };
  const auto whole = run_cli(flags(tmp / "whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  // Killed once checkpoint-6 (mid-epoch 2 of 4-step epochs) is complete, then resumed.
  run_and_kill_when(flags(tmp / "cut"), tmp / "cut/checkpoint-6");
  ASSERT_TRUE(fs::exists(tmp / "cut/checkpoint-6/trainer_state.json"));
  for (const auto& e : fs::directory_iterator(tmp / "cut"))
    EXPECT_FALSE(e.path().filename().string().ends_with(".tmp") && fs::exists(e.path() / "trainer_state.json"));
  const auto resumed = run_cli(plus(flags(tmp / "cut"), {"--resume_from_checkpoint", tmp / "cut/checkpoint-6"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;

  const auto a = SafetensorsCheckpoint::open(tmp / "whole"), b = SafetensorsCheckpoint::open(tmp / "cut");
  ASSERT_EQ(a.names(), b.names());
  for (const auto& name : a.names()) {
    const Tensor x = a.tensor(name), y = b.tensor(name);
    ASSERT_EQ(x.shape(), y.shape());
    EXPECT_EQ(0, std::memcmp(x.raw_data(), y.raw_data(), size_t(x.numel()) * 4)) << name;
  }
  const json sa = read_json(tmp / "whole/trainer_state.json"), sb = read_json(tmp / "cut/trainer_state.json");
  EXPECT_EQ(sa["global_step"], sb["global_step"]);
}

TEST(TrainerCli, EarlyStoppingStopsTraining) {
  TempDir tmp;
  const std::string data = make_data(tmp, "train.jsonl");
  // A learning rate of 0 never improves eval_loss after the first evaluation: patience 2
  // stops after the third evaluation (steps 1, 2, 3).
  const auto r = run_cli(plus(reference_flags(make_model(tmp), data, tmp / "out"),
                              {"--validation_file", data, "--learning_rate", "0", "--num_train_epochs", "5",
                               "--eval_strategy", "steps", "--eval_steps", "1", "--save_strategy", "steps",
                               "--save_steps", "1", "--load_best_model_at_end", "--early_stopping_patience", "2"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json state = read_json(tmp / "out/trainer_state.json");
  EXPECT_EQ(state["global_step"], 3);
  EXPECT_EQ(fs::path(state["best_model_checkpoint"].get<std::string>()).filename(), "checkpoint-1");
}

TEST(TrainerCli, LabelNamesGoThroughTheModelsLabel2id) {
  TempDir tmp;
  const auto r = run_cli(plus(reference_flags(make_model(tmp), make_data(tmp, "train.jsonl", true), tmp / "out"),
                              {"--save_strategy", "no", "--max_steps", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json(tmp / "out/config.json")["label2id"]["neutral"], 1);
}

TEST(TrainerCli, ConfigFileTakesTheSameNames) {
  TempDir tmp;
  const json cfg = {{"model", make_model(tmp)}, {"train_file", make_data(tmp, "train.jsonl")},
                    {"output_dir", tmp / "out"}, {"max_steps", 2}, {"learning_rate", 1e-3},
                    {"shuffle_train", false}, {"save_strategy", "no"}, {"report_to", "none"}};
  test::write_file(tmp / "args.json", cfg.dump());
  const auto r = run_cli({"train", "text-classification", "--config", tmp / "args.json", "--logging_steps", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json args = read_json(tmp / "out/training_args.json");
  EXPECT_EQ(args["max_steps"], 2);
  EXPECT_EQ(args["logging_steps"], 1.0);
  EXPECT_EQ(args["shuffle_train"], false);
}

struct BadCase {
  std::string what;
  std::vector<std::string> extra;
  std::string expected;  // in stderr
};

TEST(TrainerCli, BadInputGetsOneClearError) {
  TempDir tmp;
  const std::string model = make_model(tmp), data = make_data(tmp, "train.jsonl");
  test::write_file(tmp / "unseen.jsonl", "{\"text\": \"hello\", \"label\": 7}\n");
  test::write_file(tmp / "empty.jsonl", "");
  test::write_file(tmp / "notext.jsonl", "{\"sentence_x\": \"hello\", \"label\": 1}\n");
  const std::vector<BadCase> cases = {
      {"unseen label at eval", {"--validation_file", tmp / "unseen.jsonl", "--do_eval"}, "label \"7\""},
      {"missing text column", {"--text_column_names", "body"}, "column \"body\" does not exist"},
      {"empty training set", {"--train_file", tmp / "empty.jsonl"}, "empty"},
      {"unknown metric", {"--metric_name", "acuracy", "--validation_file", data, "--eval_strategy", "epoch"},
       "metric \"acuracy\""},
      {"unknown argument", {"--learning_rat", "1"}, "unknown argument --learning_rat"},
      {"unsupported task", {}, ""},
  };
  for (const auto& c : cases) {
    if (c.what == "unsupported task") continue;
    SCOPED_TRACE(c.what);
    const auto r = run_cli(plus(reference_flags(model, data, tmp / ("out-" + std::to_string(&c - &cases[0]))), c.extra));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
  }
  {
    const auto r = run_cli({"train", "object-tracking", "--model", model, "--train_file", data, "--output_dir", tmp / "x"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("not supported"), std::string::npos) << r.err;
  }
  // A previous run in output_dir is refused without --overwrite_output_dir.
  const std::string out = tmp / "prev";
  ASSERT_EQ(run_cli(plus(reference_flags(model, data, out), {"--max_steps", "1"})).exit_code, 0);
  auto again = run_cli(plus(reference_flags(model, data, out), {"--max_steps", "1"}));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("--overwrite_output_dir"), std::string::npos) << again.err;
  EXPECT_EQ(run_cli(plus(reference_flags(model, data, out), {"--max_steps", "1", "--overwrite_output_dir"})).exit_code, 0);
  // A checkpoint of another model.
  {
    TempDir other;
    fs::create_directories(other / "checkpoint-1");
    test::write_file(other / "checkpoint-1/trainer_state.json", "{\"global_step\": 1, \"train_batch_size\": 8}");
    test::write_file(other / "checkpoint-1/config.json",
                     "{\"model_type\": \"vit\", \"architectures\": [\"ViTForImageClassification\"]}");
    const auto r = run_cli(plus(reference_flags(model, data, tmp / "o2"),
                                {"--resume_from_checkpoint", other / "checkpoint-1"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("ViTForImageClassification"), std::string::npos) << r.err;
  }
}

// A disk that fills during a save: the save fails with a clear error, the previous
// checkpoint stays whole and no half-written checkpoint folder is left behind.
TEST(TrainerCli, ADiskThatFillsDuringASaveLosesNothing) {
  TempDir tmp;
  const std::string model = make_model(tmp), data = make_data(tmp, "train.jsonl");
  const std::string out = tmp / "out";
  ASSERT_EQ(run_cli(plus(reference_flags(model, data, out), {"--max_steps", "2", "--save_steps", "2"})).exit_code, 0);
  ASSERT_TRUE(fs::exists(out + "/checkpoint-2/model.safetensors"));
  const uintmax_t good_size = fs::file_size(out + "/checkpoint-2/model.safetensors");
  // RLIMIT_FSIZE makes every write past 64 KiB fail with EFBIG, as a full disk would.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{64 << 10, 64 << 10};
    setrlimit(RLIMIT_FSIZE, &lim);
    std::vector<std::string> args = plus(reference_flags(model, data, out),
                                         {"--max_steps", "4", "--save_steps", "2", "--resume_from_checkpoint",
                                          out + "/checkpoint-2"});
    freopen((tmp / "err.txt").c_str(), "w", stderr);
    test::exec_cli(args);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  const std::string err = test::read_file(tmp / "err.txt");
  EXPECT_NE(err.find("write failed"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out + "/checkpoint-4"));
  for (const auto& e : fs::directory_iterator(out)) EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  EXPECT_EQ(fs::file_size(out + "/checkpoint-2/model.safetensors"), good_size);
  EXPECT_NO_THROW(SafetensorsCheckpoint::open(out + "/checkpoint-2"));
}

}  // namespace
}  // namespace cuddle
