// transformers' Trainer in C++ (docs/trainer.md): TrainingArguments with the same names and
// defaults, the training loop with gradient accumulation, clipping, schedules, evaluation,
// logging, checkpoints with save_total_limit and resume, callbacks with TrainerControl,
// early stopping, and the files the Trainer and the example scripts leave in output_dir.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/datasets.h"
#include "cuddle/models.h"
#include "cuddle/optim.h"

namespace cuddle::training {

using Json = nlohmann::json;

// TrainingArguments: transformers' field names and defaults. set() takes a value by name
// (command-line text or JSON), so `cuddle train --flag value`, `--config args.json` and
// C++ all go through one table. `shuffle_train` is cuddle's: false keeps the training
// file's order (for step-by-step comparison with a reference loop).
struct TrainingArguments {
  std::string output_dir = "trainer_output";
  bool overwrite_output_dir = false;
  bool do_train = false, do_eval = false, do_predict = false;
  std::string eval_strategy = "no";  // no, steps, epoch
  int64_t per_device_train_batch_size = 8;
  int64_t per_device_eval_batch_size = 8;
  int64_t gradient_accumulation_steps = 1;
  double learning_rate = 5e-5;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;
  double num_train_epochs = 3.0;
  int64_t max_steps = -1;
  std::string lr_scheduler_type = "linear";
  double warmup_ratio = 0.0;
  double warmup_steps = 0;  // below 1: a ratio of the total steps, as transformers 5 reads it
  std::string logging_strategy = "steps";  // no, steps, epoch
  bool logging_first_step = false;
  double logging_steps = 500;  // below 1: a ratio of max_steps
  std::string save_strategy = "steps";  // no, steps, epoch, best
  double save_steps = 500;
  std::optional<int64_t> save_total_limit;
  bool save_only_model = false;
  int64_t seed = 42;
  std::optional<int64_t> data_seed;
  std::optional<double> eval_steps;  // unset: logging_steps
  double eval_delay = 0;
  bool dataloader_drop_last = false;
  bool load_best_model_at_end = false;
  std::string metric_for_best_model;  // empty: unset ("loss" when load_best_model_at_end)
  std::optional<bool> greater_is_better;
  std::vector<std::string> report_to = {"jsonl"};  // jsonl, tensorboard, none
  bool push_to_hub = false;
  std::string hub_model_id;
  std::string hub_strategy = "every_save";  // end, every_save, checkpoint, all_checkpoints
  std::string hub_token;
  bool hub_private_repo = false;
  std::string resume_from_checkpoint;
  double label_smoothing_factor = 0.0;
  bool group_by_length = false;
  std::string length_column_name = "length";
  bool eval_on_start = false;
  std::string optim = "adamw_torch";  // adamw_torch, sgd
  std::string run_name;
  bool disable_tqdm = false;
  bool shuffle_train = true;

  // Sets field `name` from JSON (a number, bool, string, array or null) or from text as a
  // command line spells it ("true", "3e-5", "none", "a,b"). Unknown names and values of the
  // wrong kind are an Error naming the field.
  void set(const std::string& name, const Json& value);
  void set_text(const std::string& name, const std::string& text);
  static bool has_field(const std::string& name);
  static std::vector<std::string> field_names();
  // Every field by name (training_args.json).
  Json to_json() const;
  static TrainingArguments from_json(const Json& j);

  // transformers' __post_init__: fills what depends on other fields (metric_for_best_model,
  // greater_is_better, eval_steps) and rejects combinations the Trainer refuses.
  void finalize();
  // Resolved values, meaningful after finalize().
  bool evaluates() const { return eval_strategy != "no"; }
  int64_t train_seed() const { return data_seed.value_or(seed); }
};

// trainer_state.json with transformers' keys.
struct TrainerState {
  double epoch = 0;
  int64_t global_step = 0;
  int64_t max_steps = 0;
  int64_t logging_steps = 500, eval_steps = 500, save_steps = 500;
  int64_t train_batch_size = 8;
  double num_train_epochs = 0;
  double total_flos = 0;
  int64_t num_input_tokens_seen = 0;
  std::vector<Json> log_history;
  std::optional<double> best_metric;
  std::optional<int64_t> best_global_step;
  std::string best_model_checkpoint;  // empty: none
  Json stateful_callbacks = Json::object();

  Json to_json() const;
  static TrainerState from_json(const Json& j, const std::string& where);
  // Written atomically, keys sorted and indented as the Trainer's save_to_json.
  void save(const std::string& path) const;
  static TrainerState load(const std::string& path);
};

// What the callbacks ask of the loop; reset by the loop as the Trainer resets it.
struct TrainerControl {
  bool should_training_stop = false;
  bool should_epoch_stop = false;
  bool should_save = false;
  bool should_evaluate = false;
  bool should_log = false;
  Json to_json() const;
};

using Metrics = std::map<std::string, double>;

// transformers' TrainerCallback: every event gets the arguments, the state and the control
// it may change. Callbacks whose state must survive a resume return it from state() and
// take it back in load_state() (stateful_callbacks in trainer_state.json).
class TrainerCallback {
 public:
  virtual ~TrainerCallback() = default;
  virtual std::string name() const = 0;  // the class name stateful_callbacks is keyed by
  virtual void on_init_end(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_train_begin(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_train_end(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_epoch_begin(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_epoch_end(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_step_begin(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_substep_end(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_pre_optimizer_step(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_optimizer_step(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_step_end(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_evaluate(const TrainingArguments&, TrainerState&, TrainerControl&, const Metrics&) {}
  virtual void on_predict(const TrainingArguments&, TrainerState&, TrainerControl&, const Metrics&) {}
  virtual void on_save(const TrainingArguments&, TrainerState&, TrainerControl&) {}
  virtual void on_log(const TrainingArguments&, TrainerState&, TrainerControl&, const Json& logs) {}
  virtual Json state() const { return nullptr; }  // null: not stateful
  virtual void load_state(const Json&) {}
};

// transformers' DefaultFlowCallback: sets should_log / should_evaluate / should_save at the
// steps and epochs the strategies name and stops at max_steps. The Trainer always adds it.
class DefaultFlowCallback : public TrainerCallback {
 public:
  std::string name() const override { return "DefaultFlowCallback"; }
  void on_step_end(const TrainingArguments& a, TrainerState& s, TrainerControl& c) override;
  void on_epoch_end(const TrainingArguments& a, TrainerState& s, TrainerControl& c) override;
};

// transformers' EarlyStoppingCallback: stops when metric_for_best_model has not improved by
// more than `threshold` on `patience` consecutive evaluations. Needs load_best_model_at_end,
// metric_for_best_model and an eval strategy (an Error at on_train_begin otherwise).
class EarlyStoppingCallback : public TrainerCallback {
 public:
  explicit EarlyStoppingCallback(int64_t patience = 1, double threshold = 0.0)
      : patience_(patience), threshold_(threshold) {}
  std::string name() const override { return "EarlyStoppingCallback"; }
  void on_train_begin(const TrainingArguments& a, TrainerState& s, TrainerControl& c) override;
  void on_evaluate(const TrainingArguments& a, TrainerState& s, TrainerControl& c, const Metrics& m) override;
  Json state() const override;
  void load_state(const Json& j) override;
  int64_t patience_counter() const { return counter_; }

 private:
  int64_t patience_;
  double threshold_;
  int64_t counter_ = 0;
};

// The model's outputs on an evaluation set: predictions are the logits (the first output
// after the loss) of every row, concatenated; token-level outputs and labels are padded
// to the longest sequence with -100 as the Trainer pads them. A question-answering model's
// two outputs come as one [rows, length, 2] tensor: start logits, then end logits.
struct EvalPrediction {
  Tensor predictions;
  Tensor label_ids;  // undefined when the dataset has no labels
};
using ComputeMetrics = std::function<Metrics(const EvalPrediction&)>;
// transformers' preprocess_logits_for_metrics: each evaluation batch's logits (and labels)
// reduced before they are gathered, so a masked or causal LM's [rows, length, vocab] logits
// need not be held for the whole evaluation set (run_mlm.py / run_clm.py keep their arg-max).
using PreprocessLogits = std::function<Tensor(const Tensor& logits, const Tensor& labels)>;
// transformers' QuestionAnsweringTrainer: outputs that mean something only once mapped back
// to the examples they came from (the windows of a long context). Set, it replaces
// compute_metrics: it gets the outputs gathered under `prefix` ("eval", "test"), labels or
// not, and returns the metrics (none where that split has no references).
using PostProcessMetrics = std::function<Metrics(const EvalPrediction&, const std::string& prefix)>;
// Builds a batch from rows of a dataset (collators.h has transformers' collators).
using DataCollator = std::function<ModelInputs(const datasets::Dataset& ds, const std::vector<int64_t>& rows)>;

// A model whose trainable tensors are not its own module parameters (a PEFT adapter over a
// frozen base): what trains and in which groups, and what a save writes and a resume or
// load_best_model_at_end reads back. Unset, the Trainer trains every parameter and saves the
// model with save_pretrained.
struct TrainableView {
  std::function<std::vector<ParamGroup>(double lr, double weight_decay)> parameter_groups;
  std::function<void(const std::string& dir)> save;
  std::function<void(const std::string& dir)> load;
};

struct TrainOutput {
  int64_t global_step = 0;
  double training_loss = 0;
  Metrics metrics;  // train_runtime, train_samples_per_second, ..., train_loss, epoch
};

struct PredictionOutput {
  EvalPrediction prediction;
  Metrics metrics;
};

class Trainer {
 public:
  // `model` must outlive the Trainer; it is made trainable (owned parameter copies).
  // `processing_dir`: the folder whose tokenizer / processor files every save carries
  // (empty: none).
  Trainer(PreTrainedModel& model, TrainingArguments args, DataCollator collator,
          std::optional<datasets::Dataset> train_dataset, std::optional<datasets::Dataset> eval_dataset,
          ComputeMetrics compute_metrics = {}, std::vector<std::shared_ptr<TrainerCallback>> callbacks = {},
          std::string processing_dir = "");
  ~Trainer();

  // Trains from scratch or, with a checkpoint folder (or "last" / "true": the newest under
  // output_dir), resumes where it stopped: weights, optimizer, scheduler, RNG, the epoch's
  // data order and position, callback state.
  TrainOutput train(const std::string& resume_from_checkpoint = "");
  // eval_loss and compute_metrics' values prefixed with `prefix` + "_", runtime and rates;
  // logged and passed to on_evaluate.
  Metrics evaluate(const datasets::Dataset* dataset = nullptr, const std::string& prefix = "eval");
  PredictionOutput predict(const datasets::Dataset& dataset, const std::string& prefix = "test");

  // The model's weights and config (plus the processing files) into `dir` (output_dir when
  // empty), with training_args.json.
  void save_model(const std::string& dir = "");
  // output_dir/trainer_state.json.
  void save_state() const;
  // Saves the model into output_dir and uploads output_dir (without checkpoints) to the Hub
  // repo hub_model_id (default: output_dir's name), created if missing; returns the commit.
  // The endpoint and token come from the environment as huggingface_hub reads them
  // (HF_ENDPOINT, HF_TOKEN), hub_token overriding.
  std::string push_to_hub(const std::string& commit_message = "End of training");
  std::string hub_repo_id() const;
  // The example scripts' save_metrics: output_dir/<split>_results.json and the union in
  // all_results.json.
  void save_metrics(const std::string& split, const Metrics& metrics) const;
  // Appends `logs` (epoch and step added) to the log history and calls on_log.
  void log(Json logs);

  const TrainerState& state() const { return state_; }
  const TrainingArguments& args() const { return args_; }
  PreTrainedModel& model() { return model_; }
  void add_callback(std::shared_ptr<TrainerCallback> callback);
  void set_trainable_view(TrainableView view) { view_ = std::move(view); }
  void set_preprocess_logits_for_metrics(PreprocessLogits f) { preprocess_logits_ = std::move(f); }
  void set_post_process_metrics(PostProcessMetrics f) { post_process_metrics_ = std::move(f); }

 private:
  struct Loop;
  void call(const std::function<void(TrainerCallback&)>& event);
  ModelInputs batch(const datasets::Dataset& ds, const std::vector<int64_t>& rows) const;
  std::vector<std::vector<int64_t>> epoch_batches(int64_t epoch) const;
  // The labels != -100 of batches [first, last) of an epoch (num_items_in_batch).
  int64_t label_items(const std::vector<std::vector<int64_t>>& batches, int64_t first, int64_t last) const;
  void maybe_log_save_evaluate(Loop& loop);
  bool determine_best_metric(const Metrics& metrics);
  void save_checkpoint(Loop& loop);
  void write_checkpoint(Loop& loop, const std::filesystem::path& tmp);
  void push_checkpoint(const std::string& checkpoint_dir);
  void load_checkpoint_weights(const std::string& dir);
  void load_checkpoint_state(const std::string& dir, Loop& loop);
  void load_best_model();
  std::string resolve_checkpoint(const std::string& spec) const;

  PreTrainedModel& model_;
  TrainingArguments args_;
  DataCollator collator_;
  std::optional<datasets::Dataset> train_dataset_, eval_dataset_;
  ComputeMetrics compute_metrics_;
  PreprocessLogits preprocess_logits_;
  PostProcessMetrics post_process_metrics_;
  std::vector<std::shared_ptr<TrainerCallback>> callbacks_;
  std::string processing_dir_;
  TrainerState state_;
  TrainerControl control_;
  std::unique_ptr<Loop> loop_;
  TrainableView view_;
};

// "checkpoint-<step>".
std::string checkpoint_name(int64_t step);
// output_dir's checkpoint-<step> folders, oldest step first.
std::vector<std::string> sorted_checkpoints(const std::string& output_dir);
// The Trainer's rotation order: sorted_checkpoints with the best checkpoint moved so that
// save_total_limit deletes it last.
std::vector<std::string> checkpoints_in_deletion_order(const std::string& output_dir, const std::string& best);

// torch.randperm(n) with a generator seeded with `seed` (mt19937, Fisher-Yates as torch's
// CPU kernel draws it): the epoch order of accelerate's seedable sampler, seed + epoch.
std::vector<int64_t> torch_randperm(int64_t n, uint64_t seed);
// transformers' LengthGroupedSampler order for group_by_length: the lengths come from the
// dataset's length_column_name column or, without one, its input_ids lists.
std::vector<int64_t> length_grouped_order(const datasets::Dataset& ds, const TrainingArguments& args, int64_t epoch);

// A callback writing every log entry where `report_to` names: "jsonl" (output_dir/
// trainer_log.jsonl, one JSON object a line) or "tensorboard" (event files under
// output_dir/runs). An unknown name is an Error.
std::shared_ptr<TrainerCallback> make_report_callback(const std::string& name, const TrainingArguments& args);
// A progress bar with rate and ETA on a terminal (stderr), plain log lines otherwise.
std::shared_ptr<TrainerCallback> make_progress_callback();

}  // namespace cuddle::training
