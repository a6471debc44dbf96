// transformers' Trainer model card (modelcard.py's TrainingSummary), rebuilt from the files a
// run leaves: log_history gives the results table and the final evaluation, the training
// arguments give the hyperparameter list. Text and layout follow what the Trainer writes so
// Hub pages and tools that read those cards see the same thing.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/python_repr.h"
#include "cuddle/model_card.h"
#include "cuddle/trainer_card.h"
#include "io/atomic_file.h"

#ifndef CUDDLE_VERSION
#error "CUDDLE_VERSION must be defined by the build (the project version)"
#endif

namespace cuddle::training {
namespace {

using Json = nlohmann::ordered_json;

// Python's str() of a JSON value as the Trainer would hold it.
std::string python_str(const Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number_float()) return python_float_repr(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "None";
  return v.dump();
}

// modelcard.py's _maybe_round: floats with more than 4 decimals in their repr print with 4.
std::string maybe_round(const Json& v) {
  const std::string text = python_str(v);
  const size_t dot = text.find('.');
  if (v.is_number_float() && dot != std::string::npos && text.size() - dot - 1 > 4) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", v.get<double>());
    return buf;
  }
  return text;
}

// "eval_matthews_correlation" -> "Matthews Correlation" (the prefix already removed).
std::string title_case(const std::string& key) {
  std::string out;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('_', start);
    if (end == std::string::npos) end = key.size();
    std::string part = key.substr(start, end - start);
    // Python's str.capitalize: first letter upper, the rest lower.
    for (size_t i = 0; i < part.size(); ++i)
      part[i] = static_cast<char>(i == 0 ? std::toupper(static_cast<unsigned char>(part[i]))
                                         : std::tolower(static_cast<unsigned char>(part[i])));
    out += (out.empty() && start == 0 ? "" : " ") + part;
    start = end + 1;
  }
  return out;
}

bool is_speed_key(const std::string& key) {
  return key == "runtime" || key == "samples_per_second" || key == "steps_per_second";
}

// An evaluation entry's keys in the order the Trainer creates them in memory: the loss, then
// the metrics, then speed (a trainer_state.json on disk has them sorted).
std::vector<std::string> eval_key_order(const Json& entry) {
  std::vector<std::string> keys;
  if (entry.contains("eval_loss")) keys.push_back("eval_loss");
  for (auto it = entry.begin(); it != entry.end(); ++it)
    if (it.key() != "eval_loss") keys.push_back(it.key());
  return keys;
}

// parse_log_history's final results: eval_ stripped, speed, epoch and step left out.
Json eval_results_of(const Json& entry) {
  Json out = Json::object();
  for (const std::string& key : eval_key_order(entry)) {
    const std::string name = key.rfind("eval_", 0) == 0 ? key.substr(5) : key;
    if (is_speed_key(name) || name == "epoch" || name == "step") continue;
    out[title_case(name)] = entry[key];
  }
  return out;
}

struct History {
  std::vector<Json> lines;  // one row per evaluation
  Json eval_results;        // null when there is no evaluation
};

History parse_log_history(const Json& log_history) {
  if (!log_history.is_array()) throw Error("model card: log_history must be a list of log entries");
  History h;
  size_t train_end = 0;
  while (train_end < log_history.size() && !log_history[train_end].contains("train_runtime")) ++train_end;
  // The last evaluation; like the Trainer, one at index 0 does not count.
  long last_eval = static_cast<long>(log_history.size()) - 1;
  while (last_eval >= 0 && !log_history[static_cast<size_t>(last_eval)].contains("eval_loss")) --last_eval;
  if (train_end == log_history.size()) {
    // No training summary (an evaluation-only run): no table, and the Trainer lists the last
    // evaluation entry as it is, keys unchanged.
    if (last_eval > 0) h.eval_results = log_history[static_cast<size_t>(last_eval)];
    return h;
  }
  if (last_eval > 0) h.eval_results = eval_results_of(log_history[static_cast<size_t>(last_eval)]);

  Json training_loss = "No log";  // the latest training loss logged before each evaluation
  for (size_t i = 0; i < train_end; ++i) {
    const Json& entry = log_history[i];
    if (entry.contains("loss")) training_loss = entry["loss"];
    if (!entry.contains("eval_loss")) continue;
    Json line = Json::object();
    line["Training Loss"] = training_loss;
    line["Epoch"] = entry.value("epoch", Json());
    line["Step"] = entry.value("step", Json());
    for (const std::string& key : eval_key_order(entry)) {
      if (key == "epoch" || key == "step" || key == "total_flos") continue;
      if (key == "eval_loss") {
        line["Validation Loss"] = entry[key];
        continue;
      }
      if (key == "eval_runtime" || key == "eval_samples_per_second" || key == "eval_steps_per_second") continue;
      // The column is the key without its first word: eval_f1 -> F1.
      const size_t underscore = key.find('_');
      line[title_case(underscore == std::string::npos ? "" : key.substr(underscore + 1))] = entry[key];
    }
    h.lines.push_back(line);
  }
  return h;
}

// make_markdown_table: columns padded to their widest cell, centred alignment markers.
std::string markdown_table(const std::vector<Json>& lines) {
  if (lines.empty()) return "";
  std::vector<std::string> keys;
  std::vector<size_t> widths;
  for (auto it = lines[0].begin(); it != lines[0].end(); ++it) {
    keys.push_back(it.key());
    widths.push_back(it.key().size());
  }
  auto cell = [&](const Json& line, size_t c) { return line.contains(keys[c]) ? maybe_round(line[keys[c]]) : ""; };
  for (const Json& line : lines)
    for (size_t c = 0; c < keys.size(); ++c) widths[c] = std::max(widths[c], cell(line, c).size());
  auto row = [&](const std::vector<std::string>& values) {
    std::string out;
    for (size_t c = 0; c < values.size(); ++c) out += "| " + values[c] + std::string(widths[c] - values[c].size() + 1, ' ');
    return out + "|\n";
  };
  std::string table = row(keys);
  for (size_t w : widths) table += "|:" + std::string(w, '-') + ":";
  table += "|\n";
  for (const Json& line : lines) {
    std::vector<std::string> values;
    for (size_t c = 0; c < keys.size(); ++c) values.push_back(cell(line, c));
    table += row(values);
  }
  return table;
}

// extract_hyperparameters_from_trainer, from TrainingArguments JSON (one process, one
// device, so the total batch sizes only differ through gradient accumulation).
std::vector<std::pair<std::string, std::string>> hyperparameters(const Json& args) {
  if (!args.is_object()) throw Error("model card: the training arguments must be a JSON object");
  auto arg = [&](const char* key, Json fallback) { return args.contains(key) ? args[key] : fallback; };
  std::vector<std::pair<std::string, std::string>> h;
  const Json train_bs = arg("per_device_train_batch_size", 8), eval_bs = arg("per_device_eval_batch_size", 8);
  const Json accumulation = arg("gradient_accumulation_steps", 1);
  h.emplace_back("learning_rate", python_str(arg("learning_rate", 5e-05)));
  h.emplace_back("train_batch_size", python_str(train_bs));
  h.emplace_back("eval_batch_size", python_str(eval_bs));
  h.emplace_back("seed", python_str(arg("seed", 42)));
  if (accumulation.is_number() && accumulation.get<double>() > 1) {
    h.emplace_back("gradient_accumulation_steps", python_str(accumulation));
    if (train_bs.is_number_integer() && accumulation.is_number_integer())
      h.emplace_back("total_train_batch_size", std::to_string(train_bs.get<int64_t>() * accumulation.get<int64_t>()));
  }
  // TrainingArguments.optim is an OptimizerNames enum; the f-string prints its name.
  std::string optim = python_str(arg("optim", "adamw_torch"));
  const std::string optim_args =
      args.contains("optim_args") && !args["optim_args"].is_null() && python_str(args["optim_args"]) != ""
          ? python_str(args["optim_args"])
          : "No additional optimizer arguments";
  std::string upper;
  for (char c : optim) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (optim.find("adam") != std::string::npos)
    h.emplace_back("optimizer", "Use OptimizerNames." + upper + " with betas=(" + python_str(arg("adam_beta1", 0.9)) +
                                    "," + python_str(arg("adam_beta2", 0.999)) + ") and epsilon=" +
                                    python_str(arg("adam_epsilon", 1e-08)) + " and optimizer_args=" + optim_args);
  else
    h.emplace_back("optimizer", "Use OptimizerNames." + upper + " and the args are:\n" + optim_args);
  h.emplace_back("lr_scheduler_type", python_str(arg("lr_scheduler_type", "linear")));
  const Json warmup_ratio = arg("warmup_ratio", 0.0), warmup_steps = arg("warmup_steps", 0);
  if (warmup_ratio.is_number() && warmup_ratio.get<double>() != 0)
    h.emplace_back("lr_scheduler_warmup_ratio", python_str(warmup_ratio));
  if (warmup_steps.is_number() && warmup_steps.get<double>() != 0)
    h.emplace_back("lr_scheduler_warmup_steps", python_str(warmup_steps));
  const Json max_steps = arg("max_steps", -1);
  if (max_steps.is_number() && max_steps.get<double>() != -1)
    h.emplace_back("training_steps", python_str(max_steps));
  else
    h.emplace_back("num_epochs", python_str(arg("num_train_epochs", 3.0)));
  const Json smoothing = arg("label_smoothing_factor", 0.0);
  if (smoothing.is_number() && smoothing.get<double>() != 0)
    h.emplace_back("label_smoothing_factor", python_str(smoothing));
  return h;
}

// TASK_TAG_TO_NAME_MAPPING: the task names model-index shows.
std::string task_display_name(const std::string& task) {
  static const std::map<std::string, std::string> names = {
      {"fill-mask", "Masked Language Modeling"},
      {"image-classification", "Image Classification"},
      {"image-segmentation", "Image Segmentation"},
      {"multiple-choice", "Multiple Choice"},
      {"object-detection", "Object Detection"},
      {"question-answering", "Question Answering"},
      {"summarization", "Summarization"},
      {"table-question-answering", "Table Question Answering"},
      {"text-classification", "Text Classification"},
      {"text-generation", "Causal Language Modeling"},
      {"text2text-generation", "Sequence-to-sequence Language Modeling"},
      {"token-classification", "Token Classification"},
      {"translation", "Translation"},
      {"zero-shot-classification", "Zero Shot Classification"},
  };
  auto it = names.find(task);
  return it == names.end() ? "" : it->second;
}

// The metric tags the Hub knows (METRIC_TAGS): "Accuracy" -> accuracy, "Rouge1" -> rouge.
Json metric_mapping(const Json& eval_results) {
  static const std::vector<std::string> known = {"accuracy", "bleu",  "f1",        "matthews_correlation",
                                                 "pearsonr", "precision", "recall", "rouge",
                                                 "sacrebleu", "spearmanr"};
  Json mapping = Json::object();
  if (!eval_results.is_object()) return mapping;
  for (auto it = eval_results.begin(); it != eval_results.end(); ++it) {
    std::string tag;
    for (char c : it.key()) tag.push_back(c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (std::find(known.begin(), known.end(), tag) != known.end())
      mapping[tag] = it.key();
    else if (tag == "rouge1")
      mapping["rouge"] = it.key();
  }
  return mapping;
}

Json metadata(const TrainerCardInfo& info, const Json& eval_results) {
  const Json mapping = metric_mapping(eval_results);
  std::vector<std::string> tags = info.tags;
  if (std::find(tags.begin(), tags.end(), "generated_from_trainer") == tags.end()) tags.push_back("generated_from_trainer");

  Json meta = Json::object();
  meta["library_name"] = "transformers";
  if (!info.language.empty()) meta["language"] = info.language;
  if (!info.license.empty()) meta["license"] = info.license;
  if (!info.base_model.empty()) meta["base_model"] = info.base_model;
  meta["tags"] = tags;
  if (!info.dataset.empty()) meta["datasets"] = Json::array({info.dataset});
  if (!mapping.empty()) {
    Json names = Json::array();
    for (auto it = mapping.begin(); it != mapping.end(); ++it) names.push_back(it.key());
    meta["metrics"] = names;
  }
  // model-index: one result for the task on the dataset, kept only when it has a task, a
  // dataset and metrics (the Hub rejects partial results).
  Json index = Json::object();
  index["name"] = info.model_name;
  const std::string task_name = task_display_name(info.task);
  if (!task_name.empty() || !info.dataset.empty()) {
    index["results"] = Json::array();
    if (!task_name.empty() && !info.dataset.empty() && !mapping.empty()) {
      Json result = Json::object();
      result["task"] = {{"name", task_name}, {"type", info.task}};
      result["dataset"] = {{"name", info.dataset}, {"type", info.dataset}};
      if (!info.dataset_config.empty()) result["dataset"]["args"] = info.dataset_config;
      result["metrics"] = Json::array();
      for (auto it = mapping.begin(); it != mapping.end(); ++it)
        result["metrics"].push_back({{"name", it.value()}, {"type", it.key()}, {"value", eval_results[it.value().get<std::string>()]}});
      index["results"].push_back(result);
    }
  }
  meta["model-index"] = Json::array({index});
  return meta;
}

}  // namespace

std::string trainer_model_card(const TrainerCardInfo& info) {
  if (info.model_name.empty()) throw Error("model card: the model name is empty");
  History history = parse_log_history(info.log_history);
  if (!info.eval_metrics.is_object()) throw Error("model card: the final eval metrics must be a JSON object");
  if (!info.eval_metrics.empty()) history.eval_results = eval_results_of(info.eval_metrics);

  std::string body =
      "\n<!-- This model card has been generated automatically according to the information the Trainer had access "
      "to. You\nshould probably proofread and complete it, then remove this comment. -->\n";
  body += "\n# " + info.model_name + "\n\n";
  body += info.base_model.empty() ? "This model was trained from scratch on "
                                  : "This model is a fine-tuned version of [" + info.base_model +
                                        "](https://huggingface.co/" + info.base_model + ") on ";
  body += info.dataset.empty() ? "an unknown dataset." : "the " + info.dataset + " dataset.";
  if (!history.eval_results.is_null()) {
    body += "\nIt achieves the following results on the evaluation set:\n";
    bool first = true;
    for (auto it = history.eval_results.begin(); it != history.eval_results.end(); ++it) {
      if (!first) body += "\n";
      body += "- " + it.key() + ": " + maybe_round(it.value());
      first = false;
    }
  }
  body += "\n";
  body += "\n## Model description\n\nMore information needed\n";
  body += "\n## Intended uses & limitations\n\nMore information needed\n";
  body += "\n## Training and evaluation data\n\nMore information needed\n";
  body += "\n## Training procedure\n";
  body += "\n### Training hyperparameters\n";
  body += "\nThe following hyperparameters were used during training:\n";
  for (const auto& [name, value] : hyperparameters(info.training_args)) body += "- " + name + ": " + value + "\n";
  if (!history.lines.empty()) body += "\n### Training results\n\n" + markdown_table(history.lines) + "\n";
  body += "\n### Framework versions\n\n- cuddle " CUDDLE_VERSION "\n";

  hub::ModelCard card;
  card.data() = metadata(info, history.eval_results.is_null() ? Json::object() : history.eval_results);
  card.body() = body;
  return card.to_string();
}

std::string write_trainer_model_card(const std::string& output_dir, const TrainerCardInfo& info) {
  const std::string path = (std::filesystem::path(output_dir) / "README.md").string();
  io::write_file_atomic(path, trainer_model_card(info));
  return path;
}

}  // namespace cuddle::training
