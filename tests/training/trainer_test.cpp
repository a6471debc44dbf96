// The Trainer's parts on their own: TrainingArguments by name, transformers' early-stopping
// rule on the langid run's recorded metrics, checkpoint rotation order, the epoch order
// against torch.randperm (torch 1.13 through /usr/bin/python3), LengthGroupedSampler, and
// the collators.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/collators.h"
#include "cuddle/random.h"
#include "cuddle/trainer.h"
#include "test_util.h"

namespace cuddle::training {
namespace {

namespace fs = std::filesystem;
using test::fixture;

TEST(TrainingArguments, DefaultsAndNamesAreTransformers) {
  TrainingArguments a;
  EXPECT_EQ(a.learning_rate, 5e-5);
  EXPECT_EQ(a.num_train_epochs, 3.0);
  EXPECT_EQ(a.per_device_train_batch_size, 8);
  EXPECT_EQ(a.lr_scheduler_type, "linear");
  EXPECT_EQ(a.seed, 42);
  a.set_text("learning_rate", "3e-5");
  a.set_text("save_total_limit", "2");
  a.set_text("do_train", "true");
  a.set_text("report_to", "jsonl,tensorboard");
  a.set_text("run_name", "123");
  a.set("greater_is_better", nullptr);
  EXPECT_EQ(a.learning_rate, 3e-5);
  EXPECT_EQ(a.save_total_limit, 2);
  EXPECT_TRUE(a.do_train);
  EXPECT_EQ(a.report_to, (std::vector<std::string>{"jsonl", "tensorboard"}));
  EXPECT_EQ(a.run_name, "123");
  const TrainingArguments b = TrainingArguments::from_json(a.to_json());
  EXPECT_EQ(b.to_json(), a.to_json());
  EXPECT_NE(test::error_of([&] { a.set_text("learning_rat", "1"); }).find("unknown training argument"), std::string::npos);
  EXPECT_NE(test::error_of([&] { a.set_text("max_steps", "1.5"); }).find("not an integer"), std::string::npos);
  EXPECT_NE(test::error_of([&] { a.set_text("do_eval", "maybe"); }).find("true or false"), std::string::npos);
}

TEST(TrainingArguments, FinalizeFillsAndChecksAsPostInit) {
  TrainingArguments a;
  a.eval_strategy = "steps";
  a.logging_steps = 50;
  a.load_best_model_at_end = true;
  a.save_steps = 100;
  a.finalize();
  EXPECT_EQ(*a.eval_steps, 50);
  EXPECT_EQ(a.metric_for_best_model, "loss");
  EXPECT_FALSE(*a.greater_is_better);
  TrainingArguments b;
  b.eval_strategy = "epoch";
  b.save_strategy = "epoch";
  b.load_best_model_at_end = true;
  b.metric_for_best_model = "accuracy";
  b.finalize();
  EXPECT_TRUE(*b.greater_is_better);
  TrainingArguments c;
  c.eval_strategy = "epoch";
  c.load_best_model_at_end = true;
  EXPECT_NE(test::error_of([&] { c.finalize(); }).find("save_strategy to match"), std::string::npos);
  TrainingArguments d;
  d.eval_strategy = "sometimes";
  EXPECT_NE(test::error_of([&] { d.finalize(); }).find("not one of"), std::string::npos);
}

// transformers' run of langid-bert: eval accuracy per epoch and the early-stopping counter
// its last checkpoint recorded (patience 2, threshold 0).
TEST(EarlyStopping, MatchesTheRecordedLangidRun) {
  const auto state = nlohmann::json::parse(
      test::read_file(fixture("trainer_layout/langid-bert/checkpoint-1248/trainer_state.json")));
  TrainingArguments args;
  args.eval_strategy = args.save_strategy = "epoch";
  args.load_best_model_at_end = true;
  args.metric_for_best_model = "accuracy";
  args.finalize();
  EarlyStoppingCallback cb(2, 0.0);
  TrainerState s;
  TrainerControl c;
  cb.on_train_begin(args, s, c);
  int64_t best_step = 0;
  for (const auto& e : state["log_history"]) {
    if (!e.contains("eval_accuracy")) continue;
    const double v = e["eval_accuracy"];
    cb.on_evaluate(args, s, c, {{"eval_accuracy", v}});
    // The Trainer updates the best after on_evaluate (_determine_best_metric).
    if (!s.best_metric || v > *s.best_metric) {
      s.best_metric = v;
      best_step = e["step"];
    }
    EXPECT_FALSE(c.should_training_stop) << "step " << e["step"];
  }
  const auto& recorded = state["stateful_callbacks"]["EarlyStoppingCallback"];
  EXPECT_EQ(cb.patience_counter(), recorded["attributes"]["early_stopping_patience_counter"].get<int64_t>());
  EXPECT_EQ(*s.best_metric, state["best_metric"].get<double>());
  EXPECT_EQ(best_step, state["best_global_step"].get<int64_t>());
  EXPECT_EQ(cb.state()["args"], recorded["args"]);
  // One more evaluation without improvement stops.
  cb.on_evaluate(args, s, c, {{"eval_accuracy", 0.99}});
  EXPECT_TRUE(c.should_training_stop);
}

TEST(EarlyStopping, ThresholdAndMissingMetric) {
  TrainingArguments args;
  args.eval_strategy = args.save_strategy = "epoch";
  args.load_best_model_at_end = true;
  args.finalize();  // metric: loss, lower is better
  EarlyStoppingCallback cb(1, 0.05);
  TrainerState s;
  TrainerControl c;
  s.best_metric = 1.0;
  cb.on_evaluate(args, s, c, {{"eval_loss", 0.97}});  // better, but by less than the threshold
  EXPECT_TRUE(c.should_training_stop);
  TrainerControl c2;
  EarlyStoppingCallback cb2(1, 0.0);
  cb2.on_evaluate(args, s, c2, {{"eval_accuracy", 0.5}});  // no eval_loss: disabled, as transformers
  EXPECT_FALSE(c2.should_training_stop);
  TrainingArguments no_best;
  EXPECT_NE(test::error_of([&] { cb.on_train_begin(no_best, s, c); }).find("load_best_model_at_end"), std::string::npos);
}

TEST(Checkpoints, RotationKeepsTheBestAsTheTrainerDoes) {
  test::TempDir out;
  for (int step : {10, 2, 4, 8, 6}) fs::create_directories(out / ("checkpoint-" + std::to_string(step)));
  fs::create_directories(out / "checkpoint-x");
  fs::create_directories(out / "runs");
  auto names = [](const std::vector<std::string>& paths) {
    std::vector<std::string> n;
    for (const auto& p : paths) n.push_back(fs::path(p).filename().string());
    return n;
  };
  EXPECT_EQ(names(sorted_checkpoints(out.path())),
            (std::vector<std::string>{"checkpoint-2", "checkpoint-4", "checkpoint-6", "checkpoint-8", "checkpoint-10"}));
  EXPECT_EQ(names(checkpoints_in_deletion_order(out.path(), out / "checkpoint-4")),
            (std::vector<std::string>{"checkpoint-2", "checkpoint-6", "checkpoint-8", "checkpoint-4", "checkpoint-10"}));
  EXPECT_EQ(names(checkpoints_in_deletion_order(out.path(), out / "checkpoint-10")),
            (std::vector<std::string>{"checkpoint-2", "checkpoint-4", "checkpoint-6", "checkpoint-8", "checkpoint-10"}));
}

TEST(Sampler, EpochOrderIsTorchRandperm) {
  std::string cmd = "/usr/bin/python3 -c \"import torch\n"
                    "for s, n in ((42, 10), (43, 1000), (7, 70001)):\n"
                    "  g = torch.Generator(); g.manual_seed(s); p = torch.randperm(n, generator=g).tolist()\n"
                    "  print(s, n, sum(i * v for i, v in enumerate(p)), p[0], p[-1])\"";
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char line[256];
  int rows = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long long seed, n, weighted, first, last;
    ASSERT_EQ(sscanf(line, "%llu %llu %llu %llu %llu", &seed, &n, &weighted, &first, &last), 5) << line;
    const auto p = torch_randperm(int64_t(n), seed);
    unsigned long long w = 0;
    for (size_t i = 0; i < p.size(); ++i) w += i * uint64_t(p[i]);
    EXPECT_EQ(w, weighted) << "seed " << seed;
    EXPECT_EQ(uint64_t(p.front()), first);
    EXPECT_EQ(uint64_t(p.back()), last);
    ++rows;
  }
  ASSERT_EQ(pclose(f), 0) << "needs /usr/bin/python3 with torch (scripts/test-deps.sh installs it)";
  EXPECT_EQ(rows, 3);
}

datasets::Dataset token_rows(const std::vector<std::vector<int64_t>>& ids, const std::vector<nlohmann::json>& labels) {
  std::vector<datasets::Json> rows;
  for (size_t i = 0; i < ids.size(); ++i) {
    datasets::Json r;
    r["input_ids"] = ids[i];
    r["attention_mask"] = std::vector<int64_t>(ids[i].size(), 1);
    r["label"] = labels[i];
    rows.push_back(r);
  }
  return datasets::Dataset::from_rows(rows);
}

TEST(Sampler, LengthGroupedPutsTheLongestFirst) {
  std::vector<std::vector<int64_t>> ids;
  std::vector<nlohmann::json> labels;
  for (int i = 0; i < 64; ++i) {
    ids.push_back(std::vector<int64_t>(size_t(1 + (i * 37) % 50), 5));
    labels.push_back(0);
  }
  const auto ds = token_rows(ids, labels);
  TrainingArguments a;
  a.per_device_train_batch_size = 4;
  const auto order = length_grouped_order(ds, a, 0);
  ASSERT_EQ(order.size(), 64u);
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(sorted[size_t(i)], i);
  size_t longest = 0;
  for (const auto& v : ids) longest = std::max(longest, v.size());
  EXPECT_EQ(ids[size_t(order[0])].size(), longest);
  // Megabatches of 4 x 4 rows are each sorted longest first (but for the swapped head).
  for (size_t m = 0; m < 4; ++m)
    for (size_t k = m * 16 + 2; k < (m + 1) * 16; ++k)
      EXPECT_GE(ids[size_t(order[k - 1])].size(), ids[size_t(order[k])].size()) << k;
}

TEST(Collators, PaddingAndLabels) {
  const auto ds = token_rows({{101, 7, 102}, {101, 102}}, {2, 0});
  PaddingOptions p;
  p.pad_token_id = 9;
  p.pad_to_multiple_of = 4;
  const ModelInputs in = data_collator_with_padding(p)(ds, {0, 1});
  EXPECT_EQ(in.input_ids.shape(), (Shape{2, 4}));
  const int64_t* ids = in.input_ids.data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(ids, ids + 8), (std::vector<int64_t>{101, 7, 102, 9, 101, 102, 9, 9}));
  const int64_t* mask = in.attention_mask.data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(mask, mask + 8), (std::vector<int64_t>{1, 1, 1, 0, 1, 1, 0, 0}));
  EXPECT_EQ(in.labels.dtype(), DType::I64);
  EXPECT_EQ(in.labels.data<int64_t>()[0], 2);
  // Float labels (regression) become f32.
  const auto reg = token_rows({{1, 2}, {3, 4}}, {0.5, 1.5});
  EXPECT_EQ(data_collator_with_padding({})(reg, {0, 1}).labels.dtype(), DType::F32);
  // Ragged rows are refused by the default collator, named.
  EXPECT_NE(test::error_of([&] { default_data_collator()(ds, {0, 1}); }).find("different lengths"), std::string::npos);
}

TEST(Collators, TokenClassificationPadsLabelsWithMinus100) {
  const auto ds = token_rows({{101, 7, 102}, {101, 102}}, {nlohmann::json{-100, 3, -100}, nlohmann::json{-100, -100}});
  const ModelInputs in = data_collator_for_token_classification({})(ds, {0, 1});
  const int64_t* l = in.labels.data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(l, l + 6), (std::vector<int64_t>{-100, 3, -100, -100, -100, -100}));
}

TEST(Collators, MaskedLanguageModelingRates) {
  std::vector<std::vector<int64_t>> ids(200, std::vector<int64_t>(100));
  for (auto& row : ids)
    for (size_t j = 0; j < row.size(); ++j) row[j] = 10 + int64_t(j);
  ids[0][0] = 101;  // special: never masked
  const auto ds = token_rows(ids, std::vector<nlohmann::json>(200, 0));
  LanguageModelingOptions o;
  o.mask_token_id = 4;
  o.vocab_size = 1000;
  o.special_ids = {101};
  manual_seed(3);
  std::vector<int64_t> all(200);
  for (int64_t i = 0; i < 200; ++i) all[size_t(i)] = i;
  const ModelInputs in = data_collator_for_language_modeling(o)(ds, all);
  int64_t targets = 0, masked = 0, kept = 0;
  for (int64_t i = 0; i < in.labels.numel(); ++i) {
    const int64_t label = in.labels.data<int64_t>()[i];
    if (label == -100) continue;
    ++targets;
    const int64_t id = in.input_ids.data<int64_t>()[i];
    masked += id == 4;
    kept += id == label;
  }
  EXPECT_EQ(in.labels.data<int64_t>()[0], -100);
  EXPECT_NEAR(double(targets) / 20000.0, 0.15, 0.01);
  EXPECT_NEAR(double(masked) / double(targets), 0.8, 0.03);
  EXPECT_NEAR(double(kept) / double(targets), 0.1, 0.03);
}

}  // namespace
}  // namespace cuddle::training
