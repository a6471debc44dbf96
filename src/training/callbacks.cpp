// The callbacks every Trainer has (DefaultFlowCallback) or users add (EarlyStoppingCallback),
// with transformers' conditions.
#include <cmath>

#include "cuddle/error.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

void DefaultFlowCallback::on_step_end(const TrainingArguments& a, TrainerState& s, TrainerControl& c) {
  if (s.global_step == 1 && a.logging_first_step) c.should_log = true;
  if (a.logging_strategy == "steps" && s.logging_steps > 0 && s.global_step % s.logging_steps == 0)
    c.should_log = true;
  if (a.eval_strategy == "steps" && s.eval_steps > 0 && s.global_step % s.eval_steps == 0 &&
      a.eval_delay <= double(s.global_step))
    c.should_evaluate = true;
  if (a.save_strategy == "steps" && s.save_steps > 0 && s.global_step % s.save_steps == 0) c.should_save = true;
  if (s.global_step >= s.max_steps) {
    c.should_training_stop = true;
    // The last step is saved whenever saving goes by steps (transformers >= 4.36).
    if (a.save_strategy == "steps") c.should_save = true;
  }
}

void DefaultFlowCallback::on_epoch_end(const TrainingArguments& a, TrainerState& s, TrainerControl& c) {
  if (a.logging_strategy == "epoch") c.should_log = true;
  if (a.eval_strategy == "epoch" && a.eval_delay <= s.epoch) c.should_evaluate = true;
  if (a.save_strategy == "epoch") c.should_save = true;
}

void EarlyStoppingCallback::on_train_begin(const TrainingArguments& a, TrainerState&, TrainerControl&) {
  if (!a.load_best_model_at_end) throw Error("EarlyStoppingCallback requires load_best_model_at_end = true");
  if (a.metric_for_best_model.empty()) throw Error("EarlyStoppingCallback requires metric_for_best_model");
  if (a.eval_strategy == "no")
    throw Error("EarlyStoppingCallback requires an eval_strategy of \"steps\" or \"epoch\"");
}

void EarlyStoppingCallback::on_evaluate(const TrainingArguments& a, TrainerState& s, TrainerControl& c,
                                        const Metrics& m) {
  std::string key = a.metric_for_best_model;
  if (!key.starts_with("eval_")) key = "eval_" + key;
  const auto it = m.find(key);
  if (it == m.end()) return;  // transformers warns and disables early stopping
  const double v = it->second;
  // The best so far is the state's before this evaluation: the Trainer updates best_metric
  // only after on_evaluate has run.
  const bool better = a.greater_is_better.value_or(false) ? v > s.best_metric.value_or(0) : v < s.best_metric.value_or(0);
  if (!s.best_metric || (better && std::abs(v - *s.best_metric) > threshold_))
    counter_ = 0;
  else
    ++counter_;
  if (counter_ >= patience_) c.should_training_stop = true;
}

Json EarlyStoppingCallback::state() const {
  return {{"args", {{"early_stopping_patience", patience_}, {"early_stopping_threshold", threshold_}}},
          {"attributes", {{"early_stopping_patience_counter", counter_}}}};
}

void EarlyStoppingCallback::load_state(const Json& j) {
  counter_ = j.at("attributes").value("early_stopping_patience_counter", int64_t{0});
}

}  // namespace cuddle::training
