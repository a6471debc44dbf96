// `cuddle card`: create or update a model card (README.md with YAML front matter) from flags
// or a JSON file, in the structure huggingface_hub reads.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cuddle/model_card.h"

namespace {

using cuddle::hub::EvalResult;
using cuddle::hub::ModelCard;
using ojson = nlohmann::ordered_json;

struct CardFlags {
  std::string in, out, from_json, license, base_model, library_name, pipeline_tag, model_name;
  std::vector<std::string> language, tags, datasets, metrics, evals;
  bool json_out = false;
};

std::string text_of(const ojson& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

EvalResult eval_from_json(const ojson& j) {
  if (!j.is_object()) throw cuddle::FormatError("eval_results entries must be objects");
  EvalResult e;
  e.task_type = text_of(j, "task_type");
  e.task_name = text_of(j, "task_name");
  e.dataset_type = text_of(j, "dataset_type");
  e.dataset_name = text_of(j, "dataset_name");
  e.dataset_config = text_of(j, "dataset_config");
  e.dataset_split = text_of(j, "dataset_split");
  e.metric_type = text_of(j, "metric_type");
  e.metric_value = j.value("metric_value", ojson());
  e.metric_name = text_of(j, "metric_name");
  if (j.contains("verified") && j["verified"].is_boolean()) e.verified = j["verified"].get<bool>();
  return e;
}

// "task_type,dataset_type,dataset_name,metric_type,value[,split]"
EvalResult eval_from_flag(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string p; std::getline(ss, p, ',');) parts.push_back(p);
  if (parts.size() < 5 || parts.size() > 6)
    throw cuddle::FormatError("--eval '" + spec + "': expected task_type,dataset_type,dataset_name,metric_type,value[,split]");
  EvalResult e;
  e.task_type = parts[0];
  e.dataset_type = parts[1];
  e.dataset_name = parts[2];
  e.metric_type = parts[3];
  ojson v = ojson::parse(parts[4], nullptr, false);
  e.metric_value = v.is_discarded() ? ojson(parts[4]) : v;
  if (parts.size() == 6) e.dataset_split = parts[5];
  return e;
}

// Applies a JSON description (same keys as the flags, plus eval_results and any other
// metadata key, copied as is).
void apply_json(ModelCard& card, const std::string& path, std::vector<EvalResult>& evals, std::string& model_name) {
  std::ifstream f(path);
  if (!f) throw cuddle::IoError("cannot read " + path);
  ojson j = ojson::parse(f, nullptr, false);
  if (!j.is_object()) throw cuddle::FormatError(path + ": expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "eval_results") {
      if (!it.value().is_array()) throw cuddle::FormatError(path + ": eval_results must be a list");
      for (const auto& e : it.value()) evals.push_back(eval_from_json(e));
    } else if (it.key() == "model_name") {
      model_name = it.value().is_string() ? it.value().get<std::string>() : "";
    } else if (it.key() == "body") {
      if (it.value().is_string()) card.body() = it.value().get<std::string>();
    } else {
      card.set(it.key(), it.value());
    }
  }
}

int run_card(const CardFlags& f) {
  ModelCard card = f.in.empty() ? ModelCard::for_repo(f.model_name.empty() ? "model" : f.model_name) : ModelCard::load(f.in);
  std::vector<EvalResult> evals = card.eval_results();
  std::string model_name = f.model_name.empty() ? card.model_name() : f.model_name;
  if (!f.from_json.empty()) apply_json(card, f.from_json, evals, model_name);
  if (!f.model_name.empty()) model_name = f.model_name;
  auto set_if = [&](const char* key, const std::string& v) {
    if (!v.empty()) card.set(key, v);
  };
  set_if("license", f.license);
  set_if("base_model", f.base_model);
  set_if("library_name", f.library_name);
  set_if("pipeline_tag", f.pipeline_tag);
  for (const auto& v : f.language) card.add_to_list("language", v);
  for (const auto& v : f.tags) card.add_to_list("tags", v);
  for (const auto& v : f.datasets) card.add_to_list("datasets", v);
  for (const auto& v : f.metrics) card.add_to_list("metrics", v);
  for (const auto& spec : f.evals) evals.push_back(eval_from_flag(spec));
  card.set_eval_results(model_name, evals);
  if (!f.out.empty()) card.save(f.out);
  if (f.json_out) std::cout << card.data().dump(2) << "\n";
  else if (f.out.empty()) std::cout << card.to_string();
  return 0;
}

}  // namespace

CUDDLE_CLI_COMMAND("card", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("card", "create or update a model card (README.md with YAML metadata)");
  auto f = std::make_shared<CardFlags>();
  cmd->add_option("--in", f->in, "existing README.md to update")->check(CLI::ExistingFile);
  cmd->add_option("--out", f->out, "where to write the card (default: stdout)");
  cmd->add_option("--from-json", f->from_json, "JSON object with the metadata (and eval_results, model_name, body)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--license", f->license, "license id, e.g. apache-2.0");
  cmd->add_option("--language", f->language, "language code (repeatable)");
  cmd->add_option("--tag", f->tags, "tag (repeatable)");
  cmd->add_option("--dataset", f->datasets, "dataset id (repeatable)");
  cmd->add_option("--metric", f->metrics, "metric id (repeatable)");
  cmd->add_option("--base-model", f->base_model, "base model repo id");
  cmd->add_option("--library-name", f->library_name, "library, e.g. transformers");
  cmd->add_option("--pipeline-tag", f->pipeline_tag, "task, e.g. text-classification");
  cmd->add_option("--model-name", f->model_name, "model name for model-index");
  cmd->add_option("--eval", f->evals, "evaluation result task_type,dataset_type,dataset_name,metric_type,value[,split]");
  cmd->add_flag("--json", f->json_out, "print the metadata as JSON");
  return [f] { return run_card(*f); };
});
