// The Trainer's training loop (transformers' _inner_training_loop): epochs of batches in
// the sampler's order, gradient accumulation, clipping, optimizer and schedule steps, the
// callbacks' flow, logging, evaluation and checkpoints, and the end-of-training metrics.
#include "cuddle/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "cuddle/lr_scheduler.h"
#include "cuddle/optim.h"
#include "cuddle/random.h"
#include "training/trainer_loop.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A fraction (< 1) of max_steps becomes a step count, as TrainingArguments reads it.
int64_t steps_from(double value, int64_t max_steps) {
  if (value > 0 && value < 1) return static_cast<int64_t>(std::ceil(max_steps * value));
  return static_cast<int64_t>(value);
}

// The non-embedding parameter count transformers' floating_point_ops multiplies by
// 6 x tokens (forward and backward).
double flops_parameters(PreTrainedModel& model) {
  double n = 0;
  for (const auto& slot : model.named_parameters()) {
    if (model.tied().count(slot.name) || slot.name.find("embeddings") != std::string::npos) continue;
    double k = 1;
    for (int64_t d : slot.shape) k *= double(d);
    n += k;
  }
  return n;
}

}  // namespace

void add_speed_metrics(Metrics& m, const std::string& split, double runtime, double samples, int64_t steps) {
  auto round_to = [](double v, int digits) {
    const double f = std::pow(10.0, digits);
    return std::round(v * f) / f;
  };
  m[split + "_runtime"] = round_to(runtime, 4);
  m[split + "_samples_per_second"] = round_to(samples / runtime, 3);
  m[split + "_steps_per_second"] = round_to(double(steps) / runtime, 3);
}

Trainer::Trainer(PreTrainedModel& model, TrainingArguments args, DataCollator collator,
                 std::optional<datasets::Dataset> train_dataset, std::optional<datasets::Dataset> eval_dataset,
                 ComputeMetrics compute_metrics, std::vector<std::shared_ptr<TrainerCallback>> callbacks,
                 std::string processing_dir)
    : model_(model), args_(std::move(args)), collator_(std::move(collator)),
      train_dataset_(std::move(train_dataset)), eval_dataset_(std::move(eval_dataset)),
      compute_metrics_(std::move(compute_metrics)), processing_dir_(std::move(processing_dir)) {
  args_.finalize();
  if (!collator_) throw Error("Trainer: a data collator is required");
  callbacks_.push_back(std::make_shared<DefaultFlowCallback>());
  for (auto& c : callbacks) add_callback(std::move(c));
  for (const auto& name : args_.report_to) add_callback(make_report_callback(name, args_));
  if (!args_.disable_tqdm) add_callback(make_progress_callback());
  // transformers seeds everything when the Trainer is built (set_seed(args.seed)).
  manual_seed(static_cast<uint64_t>(args_.seed));
  call([&](TrainerCallback& c) { c.on_init_end(args_, state_, control_); });
}

Trainer::~Trainer() = default;

void Trainer::add_callback(std::shared_ptr<TrainerCallback> callback) {
  if (callback) callbacks_.push_back(std::move(callback));
}

void Trainer::call(const std::function<void(TrainerCallback&)>& event) {
  for (auto& c : callbacks_) event(*c);
}

ModelInputs Trainer::batch(const datasets::Dataset& ds, const std::vector<int64_t>& rows) const {
  return collator_(ds, rows);
}

int64_t Trainer::label_items(const std::vector<std::vector<int64_t>>& batches, int64_t first, int64_t last) const {
  int64_t items = 0;
  for (int64_t b = first; b < last; ++b) {
    const ModelInputs in = batch(*train_dataset_, batches[size_t(b)]);
    if (!in.labels.defined()) continue;
    for (int64_t v : in.labels.to_int_vector()) items += v != -100;
  }
  return items;
}

std::vector<std::vector<int64_t>> Trainer::epoch_batches(int64_t epoch) const {
  const int64_t n = train_dataset_->num_rows();
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[size_t(i)] = i;
  if (args_.group_by_length)
    order = length_grouped_order(*train_dataset_, args_, epoch);
  else if (args_.shuffle_train)
    order = torch_randperm(n, uint64_t(args_.train_seed()) + uint64_t(epoch));
  std::vector<std::vector<int64_t>> batches;
  const int64_t bs = args_.per_device_train_batch_size;
  for (int64_t start = 0; start < n; start += bs) {
    const int64_t end = std::min(n, start + bs);
    if (end - start < bs && args_.dataloader_drop_last) break;
    batches.emplace_back(order.begin() + start, order.begin() + end);
  }
  return batches;
}

void Trainer::log(Json logs) {
  logs["epoch"] = state_.epoch;
  logs["step"] = state_.global_step;
  state_.log_history.push_back(logs);
  call([&](TrainerCallback& c) { c.on_log(args_, state_, control_, logs); });
  control_.should_log = false;
}

TrainOutput Trainer::train(const std::string& resume_from_checkpoint) {
  if (!train_dataset_) throw Error("Trainer::train: no training dataset was given");
  if (train_dataset_->num_rows() == 0) throw Error("Trainer::train: the training dataset is empty");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string resume = resolve_checkpoint(
      resume_from_checkpoint.empty() ? args_.resume_from_checkpoint : resume_from_checkpoint);

  loop_ = std::make_unique<Loop>();
  Loop& L = *loop_;
  const int64_t ga = args_.gradient_accumulation_steps;
  const int64_t n = train_dataset_->num_rows();
  const int64_t bs = args_.per_device_train_batch_size;
  const int64_t batches_per_epoch = args_.dataloader_drop_last ? n / bs : (n + bs - 1) / bs;
  if (batches_per_epoch == 0)
    throw Error("Trainer::train: " + std::to_string(n) + " rows make no full batch of " + std::to_string(bs) +
                " with dataloader_drop_last");
  L.updates_per_epoch = std::max<int64_t>((batches_per_epoch + ga - 1) / ga, 1);
  if (args_.max_steps > 0) {
    state_.max_steps = args_.max_steps;
    L.num_epochs = (args_.max_steps + L.updates_per_epoch - 1) / L.updates_per_epoch;
  } else {
    state_.max_steps = static_cast<int64_t>(std::ceil(args_.num_train_epochs * double(L.updates_per_epoch)));
    L.num_epochs = static_cast<int64_t>(std::ceil(args_.num_train_epochs));
  }
  state_.num_train_epochs = double(L.num_epochs);
  state_.train_batch_size = bs;
  state_.logging_steps = steps_from(args_.logging_steps, state_.max_steps);
  state_.eval_steps = steps_from(args_.eval_steps.value_or(args_.logging_steps), state_.max_steps);
  state_.save_steps = steps_from(args_.save_steps, state_.max_steps);

  // Weights come back before the parameters become trainable copies the optimizer holds.
  if (!resume.empty()) load_checkpoint_weights(resume);
  std::vector<ParamGroup> groups;
  if (view_.parameter_groups) {
    groups = view_.parameter_groups(args_.learning_rate, args_.weight_decay);
  } else {
    nn::make_trainable(model_);
    groups = decay_parameter_groups(model_, args_.learning_rate, args_.weight_decay);
  }
  model_.train();
  for (const auto& g : groups) L.params.insert(L.params.end(), g.params.begin(), g.params.end());
  L.flops_params = flops_parameters(model_);
  if (args_.optim == "sgd")
    L.optimizer = std::make_unique<SGD>(std::move(groups));
  else
    L.optimizer = std::make_unique<AdamW>(std::move(groups),
                                          AdamWOptions{args_.adam_beta1, args_.adam_beta2, args_.adam_epsilon});
  ScheduleOptions sched;
  sched.type = args_.lr_scheduler_type;
  const int64_t warmup = args_.warmup_steps >= 1 ? int64_t(args_.warmup_steps)
                         : args_.warmup_steps > 0 ? int64_t(std::ceil(args_.warmup_steps * state_.max_steps))
                                                  : 0;
  sched.warmup_steps = warmup_steps_for(warmup, args_.warmup_ratio, state_.max_steps);
  sched.total_steps = state_.max_steps;
  L.scheduler = std::make_unique<LRScheduler>(*L.optimizer, sched);

  int64_t epochs_trained = 0, batches_to_skip = 0;
  if (!resume.empty()) {
    load_checkpoint_state(resume, L);
    epochs_trained = state_.global_step / L.updates_per_epoch;
    batches_to_skip = (state_.global_step % L.updates_per_epoch) * ga;
  } else {
    manual_seed(static_cast<uint64_t>(args_.seed));  // transformers re-seeds before the loop
  }
  L.last_logged = state_.global_step;

  control_.should_training_stop = false;
  call([&](TrainerCallback& c) { c.on_train_begin(args_, state_, control_); });
  if (args_.eval_on_start && resume.empty()) evaluate();

  int64_t step_items = 0;
  for (int64_t epoch = epochs_trained; epoch < L.num_epochs; ++epoch) {
    const auto batches = epoch_batches(epoch);
    const int64_t steps_in_epoch = int64_t(batches.size());
    control_.should_epoch_stop = false;
    call([&](TrainerCallback& c) { c.on_epoch_begin(args_, state_, control_); });
    for (int64_t i = 0; i < steps_in_epoch; ++i) {
      if (i < batches_to_skip) continue;  // resumed mid-epoch: these were trained
      const bool last_micro = (i + 1) % ga == 0 || i + 1 == steps_in_epoch;
      if (i % ga == 0) {
        control_.should_log = control_.should_evaluate = control_.should_save = false;
        call([&](TrainerCallback& c) { c.on_step_begin(args_, state_, control_); });
      }
      // A causal LM takes transformers' num_items_in_batch: the step's label tokens (labels
      // != -100 over its micro-batches), so its micro-batch losses add up to the step's mean.
      const bool items_loss = model_.task() == ModelTask::CausalLM;
      if (items_loss && i % ga == 0) step_items = label_items(batches, i, std::min(i + ga, steps_in_epoch));
      ModelInputs inputs = batch(*train_dataset_, batches[size_t(i)]);
      if (items_loss) inputs.num_items_in_batch = step_items;
      // transformers' floating_point_ops: 6 x (elements of the main input) x parameters.
      if (inputs.input_ids.defined()) {
        state_.total_flos += 6.0 * double(inputs.input_ids.numel()) * L.flops_params;
        state_.num_input_tokens_seen += inputs.input_ids.numel();
      } else if (inputs.pixel_values.defined()) {
        state_.total_flos += 6.0 * double(inputs.pixel_values.numel()) * L.flops_params;
      }
      Tensor loss = model_.forward_with_loss(inputs, float(args_.label_smoothing_factor)).get("loss");
      // Each micro-batch carries 1/ga of the update; the logged loss is their sum.
      if (ga > 1 && !items_loss) loss = ops::scale(loss, 1.0f / float(ga));
      loss.backward();
      L.tr_loss += loss.data<float>()[0];
      if (!last_micro) {
        call([&](TrainerCallback& c) { c.on_substep_end(args_, state_, control_); });
        continue;
      }
      call([&](TrainerCallback& c) { c.on_pre_optimizer_step(args_, state_, control_); });
      if (args_.max_grad_norm > 0) L.grad_norm = clip_grad_norm(L.params, args_.max_grad_norm);
      L.learning_rate = L.optimizer->param_groups()[0].lr;
      L.optimizer->step();
      call([&](TrainerCallback& c) { c.on_optimizer_step(args_, state_, control_); });
      L.scheduler->step();
      L.optimizer->zero_grad();
      state_.global_step += 1;
      state_.epoch = double(epoch) + double(i + 1) / double(steps_in_epoch);
      call([&](TrainerCallback& c) { c.on_step_end(args_, state_, control_); });
      maybe_log_save_evaluate(L);
      if (control_.should_epoch_stop || control_.should_training_stop) break;
    }
    batches_to_skip = 0;
    call([&](TrainerCallback& c) { c.on_epoch_end(args_, state_, control_); });
    maybe_log_save_evaluate(L);
    if (control_.should_training_stop) break;
  }

  model_.eval();
  if (args_.load_best_model_at_end && !state_.best_model_checkpoint.empty()) load_best_model();
  const double runtime = seconds_since(t0);
  TrainOutput out;
  out.global_step = state_.global_step;
  L.total_loss += L.tr_loss;
  // As transformers: over every step, also those before a resume (whose losses it does not have).
  out.training_loss = L.total_loss / double(std::max<int64_t>(state_.global_step, 1));
  const double samples = args_.max_steps > 0 ? double(state_.max_steps * bs * ga) : double(n) * args_.num_train_epochs;
  add_speed_metrics(out.metrics, "train", runtime, samples, state_.max_steps);
  out.metrics["total_flos"] = state_.total_flos;
  out.metrics["train_loss"] = out.training_loss;
  Json logs(out.metrics);
  log(logs);
  out.metrics["epoch"] = state_.epoch;
  call([&](TrainerCallback& c) { c.on_train_end(args_, state_, control_); });
  // With save_total_limit 1, a last checkpoint that is not the best goes at the end.
  if (args_.save_total_limit && *args_.save_total_limit == 1 && !state_.best_model_checkpoint.empty())
    for (const auto& ckpt : sorted_checkpoints(args_.output_dir))
      if (fs::path(ckpt).filename() != fs::path(state_.best_model_checkpoint).filename()) fs::remove_all(ckpt);
  return out;
}

void Trainer::maybe_log_save_evaluate(Loop& L) {
  if (control_.should_log && state_.global_step > L.last_logged) {
    Json logs;
    logs["loss"] = L.tr_loss / double(state_.global_step - L.last_logged);
    if (args_.max_grad_norm > 0) logs["grad_norm"] = L.grad_norm;
    logs["learning_rate"] = L.learning_rate;
    L.total_loss += L.tr_loss;
    L.tr_loss = 0;
    L.last_logged = state_.global_step;
    log(logs);
  }
  bool new_best = false;
  if (control_.should_evaluate) {
    const Metrics metrics = evaluate();
    new_best = determine_best_metric(metrics);
    if (args_.save_strategy == "best") control_.should_save = new_best;
  }
  if (control_.should_save) {
    save_checkpoint(L);
    call([&](TrainerCallback& c) { c.on_save(args_, state_, control_); });
    control_.should_save = false;
  }
}

bool Trainer::determine_best_metric(const Metrics& metrics) {
  if (args_.metric_for_best_model.empty()) return false;
  std::string key = args_.metric_for_best_model;
  if (!key.starts_with("eval_")) key = "eval_" + key;
  const auto it = metrics.find(key);
  if (it == metrics.end()) {
    std::string known;
    for (const auto& [k, v] : metrics) known += (known.empty() ? "" : ", ") + k;
    throw Error("metric_for_best_model \"" + args_.metric_for_best_model + "\": the evaluation gave no " + key +
                " (it gave " + known + ")");
  }
  const bool greater = args_.greater_is_better.value_or(false);
  const double best = state_.best_metric.value_or(greater ? -INFINITY : INFINITY);
  if (!(greater ? it->second > best : it->second < best)) return false;
  state_.best_metric = it->second;
  if (args_.save_strategy == "steps" || args_.save_strategy == "epoch") state_.best_global_step = state_.global_step;
  if (args_.save_strategy == "best")
    state_.best_model_checkpoint = (fs::path(args_.output_dir) / checkpoint_name(state_.global_step)).string();
  return true;
}

}  // namespace cuddle::training
