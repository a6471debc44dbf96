// TrainingArguments by name: one table of fields drives set(), to_json() and from_json(),
// so the command line, --config files and training_args.json cannot drift apart.
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "cuddle/error.h"
#include "cuddle/trainer.h"
#include "training/arg_values.h"

namespace cuddle::training {

// Values of arguments by name (arg_values.h), shared with the example scripts' arguments.
namespace {
[[noreturn]] void wrong(const std::string& name, const Json& v, const char* expected) {
  throw Error("argument " + name + ": " + v.dump() + " is not " + expected);
}
}  // namespace

bool to_bool(const Json& v, const std::string& n) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer() && (v == 0 || v == 1)) return v.get<int>() == 1;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "true" || s == "True" || s == "1") return true;
    if (s == "false" || s == "False" || s == "0") return false;
  }
  wrong(n, v, "true or false");
}

double to_double(const Json& v, const std::string& n) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const Json p = Json::parse(v.get<std::string>(), nullptr, false);
    if (!p.is_discarded() && p.is_number()) return p.get<double>();
  }
  wrong(n, v, "a number");
}

int64_t to_int(const Json& v, const std::string& n) {
  const double d = to_double(v, n);
  if (d != std::floor(d)) wrong(n, v, "an integer");
  return static_cast<int64_t>(d);
}

std::string to_string(const Json& v, const std::string& n) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";  // resume_from_checkpoint=True
  wrong(n, v, "a string");
}

std::vector<std::string> to_list(const Json& v, const std::string& n) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_array()) {
    for (const auto& e : v) out.push_back(to_string(e, n));
    return out;
  }
  const std::string s = to_string(v, n);
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = std::min(s.find(',', start), s.size());
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

namespace {

using TA = TrainingArguments;

struct Field {
  std::function<void(TA&, const Json&, const std::string& name)> set;
  std::function<Json(const TA&)> get;
};

// Text as a command line gives it becomes the JSON value it stands for.
Json from_text(const std::string& t) {
  if (t == "None" || t == "none" || t == "null") return nullptr;
  if (t == "true" || t == "True") return true;
  if (t == "false" || t == "False") return false;
  const Json parsed = Json::parse(t, nullptr, false);
  if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_array() || parsed.is_object())) return parsed;
  return t;
}

template <class T>
Field field(T TA::*member) {
  Field f;
  f.get = [member](const TA& a) -> Json {
    const auto& v = a.*member;
    if constexpr (std::is_same_v<T, std::optional<int64_t>> || std::is_same_v<T, std::optional<double>> ||
                  std::is_same_v<T, std::optional<bool>>) {
      return v ? Json(*v) : Json(nullptr);
    } else if constexpr (std::is_same_v<T, std::string>) {
      return v.empty() ? Json(nullptr) : Json(v);
    } else {
      return Json(v);
    }
  };
  f.set = [member](TA& a, const Json& v, const std::string& n) {
    auto& out = a.*member;
    if constexpr (std::is_same_v<T, bool>) out = to_bool(v, n);
    else if constexpr (std::is_same_v<T, int64_t>) out = to_int(v, n);
    else if constexpr (std::is_same_v<T, double>) out = to_double(v, n);
    else if constexpr (std::is_same_v<T, std::string>) out = to_string(v, n);
    else if constexpr (std::is_same_v<T, std::optional<int64_t>>) out = v.is_null() ? std::nullopt : std::optional(to_int(v, n));
    else if constexpr (std::is_same_v<T, std::optional<double>>) out = v.is_null() ? std::nullopt : std::optional(to_double(v, n));
    else if constexpr (std::is_same_v<T, std::optional<bool>>) out = v.is_null() ? std::nullopt : std::optional(to_bool(v, n));
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      // A list, or text with commas ("jsonl,tensorboard"); "none" / null: nothing.
      out = to_list(v, n);
      out.erase(std::remove(out.begin(), out.end(), "none"), out.end());
    }
  };
  return f;
}

const std::map<std::string, Field>& fields() {
  static const std::map<std::string, Field> table = {
      {"output_dir", field(&TA::output_dir)},
      {"overwrite_output_dir", field(&TA::overwrite_output_dir)},
      {"do_train", field(&TA::do_train)},
      {"do_eval", field(&TA::do_eval)},
      {"do_predict", field(&TA::do_predict)},
      {"eval_strategy", field(&TA::eval_strategy)},
      {"per_device_train_batch_size", field(&TA::per_device_train_batch_size)},
      {"per_device_eval_batch_size", field(&TA::per_device_eval_batch_size)},
      {"gradient_accumulation_steps", field(&TA::gradient_accumulation_steps)},
      {"learning_rate", field(&TA::learning_rate)},
      {"weight_decay", field(&TA::weight_decay)},
      {"adam_beta1", field(&TA::adam_beta1)},
      {"adam_beta2", field(&TA::adam_beta2)},
      {"adam_epsilon", field(&TA::adam_epsilon)},
      {"max_grad_norm", field(&TA::max_grad_norm)},
      {"num_train_epochs", field(&TA::num_train_epochs)},
      {"max_steps", field(&TA::max_steps)},
      {"lr_scheduler_type", field(&TA::lr_scheduler_type)},
      {"warmup_ratio", field(&TA::warmup_ratio)},
      {"warmup_steps", field(&TA::warmup_steps)},
      {"logging_strategy", field(&TA::logging_strategy)},
      {"logging_first_step", field(&TA::logging_first_step)},
      {"logging_steps", field(&TA::logging_steps)},
      {"save_strategy", field(&TA::save_strategy)},
      {"save_steps", field(&TA::save_steps)},
      {"save_total_limit", field(&TA::save_total_limit)},
      {"save_only_model", field(&TA::save_only_model)},
      {"seed", field(&TA::seed)},
      {"data_seed", field(&TA::data_seed)},
      {"eval_steps", field(&TA::eval_steps)},
      {"eval_delay", field(&TA::eval_delay)},
      {"dataloader_drop_last", field(&TA::dataloader_drop_last)},
      {"load_best_model_at_end", field(&TA::load_best_model_at_end)},
      {"metric_for_best_model", field(&TA::metric_for_best_model)},
      {"greater_is_better", field(&TA::greater_is_better)},
      {"report_to", field(&TA::report_to)},
      {"push_to_hub", field(&TA::push_to_hub)},
      {"hub_model_id", field(&TA::hub_model_id)},
      {"hub_strategy", field(&TA::hub_strategy)},
      {"hub_token", field(&TA::hub_token)},
      {"hub_private_repo", field(&TA::hub_private_repo)},
      {"resume_from_checkpoint", field(&TA::resume_from_checkpoint)},
      {"label_smoothing_factor", field(&TA::label_smoothing_factor)},
      {"group_by_length", field(&TA::group_by_length)},
      {"length_column_name", field(&TA::length_column_name)},
      {"eval_on_start", field(&TA::eval_on_start)},
      {"optim", field(&TA::optim)},
      {"run_name", field(&TA::run_name)},
      {"disable_tqdm", field(&TA::disable_tqdm)},
      {"shuffle_train", field(&TA::shuffle_train)},
  };
  return table;
}

void check_choice(const std::string& name, const std::string& v, std::initializer_list<const char*> known) {
  std::string list;
  for (const char* k : known) {
    if (v == k) return;
    list += std::string(list.empty() ? "" : ", ") + k;
  }
  throw Error("training argument " + name + ": \"" + v + "\" is not one of " + list);
}

}  // namespace

void TrainingArguments::set(const std::string& name, const Json& value) {
  const auto it = fields().find(name);
  if (it == fields().end()) throw Error("unknown training argument \"" + name + "\"");
  it->second.set(*this, value, name);
}

void TrainingArguments::set_text(const std::string& name, const std::string& text) {
  // Names and free text stay strings even when they look like numbers ("--run_name 1").
  static const std::set<std::string> textual = {"output_dir", "run_name", "hub_model_id", "hub_token",
                                                "resume_from_checkpoint", "metric_for_best_model",
                                                "length_column_name"};
  set(name, textual.count(name) ? Json(text) : from_text(text));
}

bool TrainingArguments::has_field(const std::string& name) { return fields().count(name) > 0; }

std::vector<std::string> TrainingArguments::field_names() {
  std::vector<std::string> out;
  for (const auto& [name, f] : fields()) out.push_back(name);
  return out;
}

Json TrainingArguments::to_json() const {
  Json j = Json::object();
  for (const auto& [name, f] : fields()) j[name] = f.get(*this);
  j["hub_token"] = nullptr;  // never written to disk
  return j;
}

TrainingArguments TrainingArguments::from_json(const Json& j) {
  if (!j.is_object()) throw Error("training arguments: expected a JSON object, got " + j.dump());
  TrainingArguments a;
  for (const auto& [name, value] : j.items()) a.set(name, value);
  return a;
}

void TrainingArguments::finalize() {
  check_choice("eval_strategy", eval_strategy, {"no", "steps", "epoch"});
  check_choice("logging_strategy", logging_strategy, {"no", "steps", "epoch"});
  check_choice("save_strategy", save_strategy, {"no", "steps", "epoch", "best"});
  check_choice("hub_strategy", hub_strategy, {"end", "every_save", "checkpoint", "all_checkpoints"});
  check_choice("optim", optim, {"adamw_torch", "adamw_torch_fused", "sgd"});
  for (const auto& r : report_to) check_choice("report_to", r, {"jsonl", "tensorboard", "all"});
  if (per_device_train_batch_size < 1 || per_device_eval_batch_size < 1)
    throw Error("training arguments: batch sizes must be at least 1");
  if (gradient_accumulation_steps < 1) throw Error("training argument gradient_accumulation_steps must be at least 1");
  if (output_dir.empty()) throw Error("training argument output_dir is required");
  // transformers: eval_steps defaults to logging_steps.
  if (eval_strategy == "steps" && !eval_steps) eval_steps = logging_steps;
  if (eval_strategy == "steps" && *eval_steps <= 0)
    throw Error("training argument eval_steps must be positive with eval_strategy \"steps\"");
  if (load_best_model_at_end || save_strategy == "best") {
    if (metric_for_best_model.empty()) metric_for_best_model = "loss";
  }
  if (load_best_model_at_end) {
    if (eval_strategy == "no")
      throw Error("load_best_model_at_end needs an eval_strategy (\"steps\" or \"epoch\")");
    if (save_strategy != "best" && save_strategy != eval_strategy)
      throw Error("load_best_model_at_end needs save_strategy to match eval_strategy (\"" + save_strategy +
                  "\" vs \"" + eval_strategy + "\")");
    if (save_strategy == "steps" && eval_strategy == "steps" &&
        std::fmod(save_steps, *eval_steps) != 0)
      throw Error("load_best_model_at_end needs save_steps (" + std::to_string(save_steps) +
                  ") to be a multiple of eval_steps (" + std::to_string(*eval_steps) + ")");
  }
  if (!greater_is_better && !metric_for_best_model.empty())
    greater_is_better = metric_for_best_model != "loss" && metric_for_best_model != "eval_loss";
  if (std::find(report_to.begin(), report_to.end(), "all") != report_to.end()) report_to = {"jsonl", "tensorboard"};
}

}  // namespace cuddle::training
