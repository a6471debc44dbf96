// adapter_config.json <-> LoraConfig, with peft 0.21's keys and defaults.
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "cuddle/error.h"
#include "cuddle/peft.h"
#include "io/json_file.h"

namespace cuddle::peft {

namespace {
using json = nlohmann::json;

// A module-name field: a list of names or one regex string (peft's Union[list, str]).
void read_names(const json& j, const char* key, std::vector<std::string>& list, std::optional<std::string>& regex,
                const std::string& what) {
  if (!j.contains(key) || j[key].is_null()) return;
  const json& v = j[key];
  if (v.is_string()) {
    if (v.get<std::string>() == "all-linear") list = {"all-linear"};
    else regex = v.get<std::string>();
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_string()) throw FormatError(what + ": " + key + " must list module names (strings)");
      list.push_back(e.get<std::string>());
    }
  } else {
    throw FormatError(what + ": " + key + " must be a list of module names or a regex string");
  }
}

json names_json(const std::vector<std::string>& list, const std::optional<std::string>& regex) {
  if (regex) return *regex;
  if (list.size() == 1 && list[0] == "all-linear") return "all-linear";
  return list.empty() ? json(nullptr) : json(list);
}

// peft writes the alpha it was given; Python ints stay ints.
json number_json(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return static_cast<int64_t>(v);
  return v;
}

// Keys of other LoRA variants peft 0.21 writes; set to anything but their neutral value
// they ask for a method cuddle does not run.
const char* const kUnsupportedTrue[] = {"use_dora", "use_qalora", "lora_bias", "use_bdlora"};
}  // namespace

namespace {
// peft's get_pattern_key: the first pattern P such that the path matches "(.*\.)?(P)$".
template <class T>
const T* find_pattern(const std::map<std::string, T>& patterns, const std::string& path) {
  for (const auto& [pattern, value] : patterns) {
    try {
      if (std::regex_match(path, std::regex("(.*\\.)?(" + pattern + ")"))) return &value;
    } catch (const std::regex_error&) {
      throw Error("LoraConfig: rank_pattern / alpha_pattern key \"" + pattern + "\" is not a valid regex");
    }
  }
  return nullptr;
}
}  // namespace

int64_t LoraConfig::rank_for(const std::string& path) const {
  const int64_t* p = find_pattern(rank_pattern, path);
  return p ? *p : r;
}

double LoraConfig::alpha_for(const std::string& path) const {
  const double* p = find_pattern(alpha_pattern, path);
  return p ? *p : lora_alpha;
}

double LoraConfig::scaling_for(const std::string& path) const {
  const double rank = static_cast<double>(rank_for(path));
  return alpha_for(path) / (use_rslora ? std::sqrt(rank) : rank);
}

void LoraConfig::validate(const std::string& what) const {
  if (r < 1) throw Error(what + ": r must be a positive rank, got " + std::to_string(r));
  for (const auto& [p, rank] : rank_pattern)
    if (rank < 1) throw Error(what + ": rank_pattern[\"" + p + "\"] must be positive, got " + std::to_string(rank));
  if (bias != "none" && bias != "all" && bias != "lora_only")
    throw Error(what + ": bias must be \"none\", \"all\" or \"lora_only\", got \"" + bias + "\"");
  if (init_lora_weights != "true" && init_lora_weights != "false" && init_lora_weights != "gaussian")
    throw Error(what + ": init_lora_weights must be true, false or \"gaussian\" (cuddle does not run \"" +
                init_lora_weights + "\" initialisation)");
  if (lora_dropout < 0.0 || lora_dropout >= 1.0)
    throw Error(what + ": lora_dropout must be in [0, 1), got " + std::to_string(lora_dropout));
  if (target_modules.empty() && !target_modules_regex)
    throw Error(what + ": target_modules is empty (name the modules to adapt, e.g. [\"query\", \"value\"], "
                       "or \"all-linear\")");
}

LoraConfig LoraConfig::from_json(const std::string& text, const std::string& what) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw FormatError(what + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw FormatError(what + ": expected a JSON object");
  const std::string peft_type = j.value("peft_type", std::string("LORA"));
  if (peft_type != "LORA")
    throw FormatError(what + ": peft_type \"" + peft_type + "\" is not supported (cuddle runs LORA adapters)");
  for (const char* key : kUnsupportedTrue)
    if (j.contains(key) && j[key].is_boolean() && j[key].get<bool>())
      throw FormatError(what + ": " + key + " is true; cuddle runs plain LoRA (no DoRA / QALoRA / LoRA bias)");
  LoraConfig c;
  try {
    auto get = [&](const char* key, auto& field) {
      if (j.contains(key) && !j[key].is_null()) j[key].get_to(field);
    };
    get("r", c.r);
    if (j.contains("lora_alpha") && !j["lora_alpha"].is_null()) c.lora_alpha = j["lora_alpha"].get<double>();
    get("lora_dropout", c.lora_dropout);
    read_names(j, "target_modules", c.target_modules, c.target_modules_regex, what);
    read_names(j, "exclude_modules", c.exclude_modules, c.exclude_modules_regex, what);
    get("modules_to_save", c.modules_to_save);
    get("bias", c.bias);
    get("use_rslora", c.use_rslora);
    if (j.contains("init_lora_weights")) {
      const json& v = j["init_lora_weights"];
      c.init_lora_weights = v.is_boolean() ? (v.get<bool>() ? "true" : "false") : v.get<std::string>();
    }
    get("fan_in_fan_out", c.fan_in_fan_out);
    if (j.contains("layers_to_transform") && j["layers_to_transform"].is_number_integer())
      c.layers_to_transform = {j["layers_to_transform"].get<int64_t>()};
    else
      get("layers_to_transform", c.layers_to_transform);
    if (j.contains("layers_pattern") && j["layers_pattern"].is_string())
      c.layers_pattern = {j["layers_pattern"].get<std::string>()};
    else
      get("layers_pattern", c.layers_pattern);
    get("rank_pattern", c.rank_pattern);
    if (j.contains("alpha_pattern") && j["alpha_pattern"].is_object())
      for (const auto& [k, v] : j["alpha_pattern"].items()) c.alpha_pattern[k] = v.get<double>();
    get("task_type", c.task_type);
    get("base_model_name_or_path", c.base_model_name_or_path);
    get("revision", c.revision);
    get("inference_mode", c.inference_mode);
  } catch (const json::exception& e) {
    throw FormatError(what + ": a field has the wrong type: " + e.what());
  }
  c.validate(what);
  return c;
}

LoraConfig LoraConfig::from_pretrained(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "adapter_config.json").string();
  return from_json(io::read_json_file(path).dump(), path);
}

std::string LoraConfig::to_json() const {
  json j = json::object();
  // peft 0.21's full key set, neutral values for what cuddle does not implement.
  for (const char* key : {"alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config", "eva_config",
                          "kasa_config", "layer_replication", "lora_ga_config", "megatron_config",
                          "monteclora_config", "target_parameters", "trainable_token_indices", "use_bdlora",
                          "velora_config"})
    j[key] = nullptr;
  j["ensure_weight_tying"] = false;
  j["loftq_config"] = json::object();
  j["lora_bias"] = false;
  j["megatron_core"] = "megatron.core";
  j["peft_type"] = "LORA";
  j["peft_version"] = "0.21.0";
  j["qalora_group_size"] = 16;
  j["use_dora"] = false;
  j["use_qalora"] = false;

  j["r"] = r;
  j["lora_alpha"] = number_json(lora_alpha);
  j["lora_dropout"] = lora_dropout;
  j["target_modules"] = names_json(target_modules, target_modules_regex);
  j["exclude_modules"] = names_json(exclude_modules, exclude_modules_regex);
  j["modules_to_save"] = modules_to_save.empty() ? json(nullptr) : json(modules_to_save);
  j["bias"] = bias;
  j["use_rslora"] = use_rslora;
  if (init_lora_weights == "true" || init_lora_weights == "false") j["init_lora_weights"] = init_lora_weights == "true";
  else j["init_lora_weights"] = init_lora_weights;
  j["fan_in_fan_out"] = fan_in_fan_out;
  j["layers_to_transform"] = layers_to_transform.empty() ? json(nullptr) : json(layers_to_transform);
  j["layers_pattern"] = layers_pattern.empty() ? json(nullptr) : json(layers_pattern);
  j["rank_pattern"] = json::object();
  for (const auto& [k, v] : rank_pattern) j["rank_pattern"][k] = v;
  j["alpha_pattern"] = json::object();
  for (const auto& [k, v] : alpha_pattern) j["alpha_pattern"][k] = number_json(v);
  j["task_type"] = task_type.empty() ? json(nullptr) : json(task_type);
  j["base_model_name_or_path"] = base_model_name_or_path.empty() ? json(nullptr) : json(base_model_name_or_path);
  j["revision"] = revision.empty() ? json(nullptr) : json(revision);
  j["inference_mode"] = inference_mode;
  return j.dump(2);
}

std::optional<ModelTask> task_for(const std::string& task_type) {
  if (task_type == "SEQ_CLS") return ModelTask::SequenceClassification;
  if (task_type == "TOKEN_CLS") return ModelTask::TokenClassification;
  if (task_type == "CAUSAL_LM") return ModelTask::CausalLM;
  if (task_type == "QUESTION_ANS") return ModelTask::QuestionAnswering;
  if (task_type == "FEATURE_EXTRACTION") return ModelTask::Base;
  return std::nullopt;
}

}  // namespace cuddle::peft
