#include "peft/targets.h"

#include <regex>

#include "cuddle/error.h"
#include "peft/lora_layer.h"

namespace cuddle::peft {

namespace {

bool name_matches(const std::string& path, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (path == n || (path.size() > n.size() && path.ends_with("." + n))) return true;
  return false;
}

bool regex_full_match(const std::string& path, const std::string& pattern, const char* field) {
  try {
    return std::regex_match(path, std::regex(pattern));
  } catch (const std::regex_error&) {
    throw Error(std::string("LoraConfig: ") + field + " \"" + pattern + "\" is not a valid regex");
  }
}

// The layer index of a path, as peft finds it: the number after the last
// "<component>.<digits>." (or after one of layers_pattern); -1 when there is none.
int64_t layer_index(const std::string& path, const std::vector<std::string>& layers_pattern) {
  std::smatch m;
  if (layers_pattern.empty()) {
    static const std::regex any(R"(.*\.[^.]*\.(\d+)\..*)");
    return std::regex_match(path, m, any) ? std::stoll(m[1].str()) : -1;
  }
  for (const auto& p : layers_pattern)
    if (std::regex_match(path, m, std::regex("(?:.*\\.)?" + p + "\\.(\\d+)\\..*"))) return std::stoll(m[1].str());
  return -1;
}

// "all-linear": every Linear (and Conv1D) but the output layer peft leaves alone.
bool all_linear_excludes(const PreTrainedModel& model, const std::string& path, const std::string& task_type) {
  if (path == "lm_head" || model.tied().contains(path + ".weight")) return true;
  return task_type == "SEQ_CLS" && (path == "classifier" || path == "score");
}

}  // namespace

std::vector<std::pair<std::string, nn::Module*>> target_modules(PreTrainedModel& model, const LoraConfig& config) {
  const bool all_linear =
      !config.target_modules_regex && config.target_modules.size() == 1 && config.target_modules[0] == "all-linear";
  std::vector<std::pair<std::string, nn::Module*>> out;
  std::vector<std::string> linears;
  for (const auto& [path, module] : model.named_modules()) {
    if (path.empty()) continue;
    const bool linear = is_linear_like(*module);
    if (linear) linears.push_back(path);
    bool hit = all_linear ? linear && !all_linear_excludes(model, path, config.task_type)
               : config.target_modules_regex
                   ? regex_full_match(path, *config.target_modules_regex, "target_modules")
                   : name_matches(path, config.target_modules);
    if (!hit) continue;
    if (config.exclude_modules_regex ? regex_full_match(path, *config.exclude_modules_regex, "exclude_modules")
                                     : name_matches(path, config.exclude_modules))
      continue;
    if (!config.layers_to_transform.empty()) {
      const int64_t index = layer_index(path, config.layers_pattern);
      if (std::find(config.layers_to_transform.begin(), config.layers_to_transform.end(), index) ==
          config.layers_to_transform.end())
        continue;
    }
    out.emplace_back(path, module);
  }
  if (out.empty()) {
    std::string wanted = config.target_modules_regex ? "\"" + *config.target_modules_regex + "\"" : "[";
    if (!config.target_modules_regex)
      for (size_t i = 0; i < config.target_modules.size(); ++i)
        wanted += (i ? ", \"" : "\"") + config.target_modules[i] + "\"" + (i + 1 == config.target_modules.size() ? "]" : "");
    std::string have;
    for (size_t i = 0; i < linears.size() && i < 8; ++i) have += (i ? ", " : "") + linears[i];
    throw Error("LoraConfig: target_modules " + wanted + " match no module of " + model.class_name() +
                " (its Linear modules include " + (have.empty() ? "none" : have) +
                "); was the adapter made for another architecture?");
  }
  return out;
}

bool is_module_to_save(const std::string& path, const std::vector<std::string>& names) {
  return name_matches(path, names);
}

std::vector<std::string> task_head_modules(const std::string& task_type) {
  if (task_type == "SEQ_CLS" || task_type == "TOKEN_CLS") return {"classifier", "score"};
  if (task_type == "QUESTION_ANS") return {"qa_outputs"};
  return {};
}

}  // namespace cuddle::peft
