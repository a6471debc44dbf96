// trainer_state.json and the control flags, with the keys and layout of transformers'
// TrainerState.save_to_json (sorted keys, two-space indent).
#include "cuddle/error.h"
#include "cuddle/trainer.h"
#include "io/atomic_file.h"
#include "io/json_file.h"

namespace cuddle::training {

namespace {
template <class T>
Json optional_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
}  // namespace

Json TrainerState::to_json() const {
  Json j;
  j["best_global_step"] = optional_json(best_global_step);
  j["best_metric"] = optional_json(best_metric);
  j["best_model_checkpoint"] = best_model_checkpoint.empty() ? Json(nullptr) : Json(best_model_checkpoint);
  j["epoch"] = epoch;
  j["eval_steps"] = eval_steps;
  j["global_step"] = global_step;
  j["is_hyper_param_search"] = false;
  j["is_local_process_zero"] = true;
  j["is_world_process_zero"] = true;
  j["log_history"] = log_history;
  j["logging_steps"] = logging_steps;
  j["max_steps"] = max_steps;
  j["num_input_tokens_seen"] = num_input_tokens_seen;
  j["num_train_epochs"] = num_train_epochs;
  j["save_steps"] = save_steps;
  j["stateful_callbacks"] = stateful_callbacks;
  j["total_flos"] = total_flos;
  j["train_batch_size"] = train_batch_size;
  j["trial_name"] = nullptr;
  j["trial_params"] = nullptr;
  return j;
}

TrainerState TrainerState::from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw FormatError(where + ": trainer state is not a JSON object");
  TrainerState s;
  try {
    s.epoch = j.value("epoch", 0.0);
    s.global_step = j.value("global_step", int64_t{0});
    s.max_steps = j.value("max_steps", int64_t{0});
    s.logging_steps = j.value("logging_steps", int64_t{500});
    s.eval_steps = j.value("eval_steps", int64_t{500});
    s.save_steps = j.value("save_steps", int64_t{500});
    s.train_batch_size = j.value("train_batch_size", int64_t{8});
    s.num_train_epochs = j.value("num_train_epochs", 0.0);
    s.total_flos = j.value("total_flos", 0.0);
    s.num_input_tokens_seen = j.value("num_input_tokens_seen", int64_t{0});
    if (j.contains("log_history")) s.log_history = j.at("log_history").get<std::vector<Json>>();
    if (j.contains("best_metric") && !j.at("best_metric").is_null()) s.best_metric = j.at("best_metric").get<double>();
    if (j.contains("best_global_step") && !j.at("best_global_step").is_null())
      s.best_global_step = j.at("best_global_step").get<int64_t>();
    if (j.contains("best_model_checkpoint") && !j.at("best_model_checkpoint").is_null())
      s.best_model_checkpoint = j.at("best_model_checkpoint").get<std::string>();
    if (j.contains("stateful_callbacks")) s.stateful_callbacks = j.at("stateful_callbacks");
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": malformed trainer state: " + e.what());
  }
  return s;
}

void TrainerState::save(const std::string& path) const { io::write_file_atomic(path, to_json().dump(2) + "\n"); }

TrainerState TrainerState::load(const std::string& path) { return from_json(io::read_json_file(path), path); }

Json TrainerControl::to_json() const {
  return {{"args",
           {{"should_epoch_stop", should_epoch_stop},
            {"should_evaluate", should_evaluate},
            {"should_log", should_log},
            {"should_save", should_save},
            {"should_training_stop", should_training_stop}}},
          {"attributes", Json::object()}};
}

}  // namespace cuddle::training
