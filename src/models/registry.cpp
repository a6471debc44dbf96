#include "models/registry.h"

#include <filesystem>

#include "cuddle/error.h"
#include "cuddle/hub.h"

namespace cuddle {

namespace models {

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {bert_family(), roberta_family(),
                                                    xlm_roberta_family(), distilbert_family(),
                                                    resnet_family(), detr_family(),
                                                    vit_family(), clip_family(),
                                                    gpt2_family(), llama_family()};
  return families;
}

const ModelFamily& family_for(const std::string& model_type, const std::string& path) {
  std::string known;
  for (const auto& f : model_families())
    for (const auto& t : f.model_types) {
      if (t == model_type) return f;
      known += (known.empty() ? "" : ", ") + t;
    }
  throw FormatError(path + ": model_type \"" + model_type + "\" is not supported (supported: " +
                    known + ")");
}

}  // namespace models

std::string_view task_name(ModelTask task) {
  switch (task) {
    case ModelTask::Base: return "AutoModel";
    case ModelTask::MaskedLM: return "AutoModelForMaskedLM";
    case ModelTask::SequenceClassification: return "AutoModelForSequenceClassification";
    case ModelTask::TokenClassification: return "AutoModelForTokenClassification";
    case ModelTask::QuestionAnswering: return "AutoModelForQuestionAnswering";
    case ModelTask::ImageClassification: return "AutoModelForImageClassification";
    case ModelTask::ObjectDetection: return "AutoModelForObjectDetection";
    case ModelTask::ZeroShotImageClassification: return "AutoModelForZeroShotImageClassification";
    case ModelTask::CausalLM: return "AutoModelForCausalLM";
  }
  return "?";
}

const Tensor& ModelOutputs::get(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  std::string have;
  for (const auto& [n, t] : tensors) have += (have.empty() ? "" : ", ") + n;
  throw Error("model output \"" + name + "\" does not exist (outputs: " + have + ")");
}

void ModelOutputs::add_hidden_states(const std::vector<Tensor>& hidden_states) {
  for (size_t i = 0; i < hidden_states.size(); ++i)
    tensors.emplace_back("hidden_states." + std::to_string(i), hidden_states[i]);
}

bool ModelOutputs::contains(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return true;
  return false;
}

namespace {
std::unique_ptr<PreTrainedModel> build(std::shared_ptr<const ModelConfig> config, const models::ModelFamily& family,
                                       ModelTask task) {
  auto model = family.create(config, task);
  if (!model)
    throw FormatError(config->path + ": model_type \"" + config->model_type + "\" has no " +
                      std::string(task_name(task)) + " class");
  return model;
}
}  // namespace

std::unique_ptr<PreTrainedModel> create_model(const std::string& dir, std::optional<ModelTask> task) {
  return create_model(load_config(dir), task);
}

std::unique_ptr<PreTrainedModel> create_model(std::shared_ptr<const ModelConfig> config,
                                              std::optional<ModelTask> task) {
  const auto& family = models::family_for(config->model_type, config->path);
  if (task) return build(config, family, *task);
  if (config->architectures.empty())
    throw FormatError(config->path + ": \"architectures\" is empty; name a task instead");
  const std::string& arch = config->architectures[0];
  std::string known;
  for (const auto& [name, arch_task] : family.architectures) {
    if (name == arch) return build(config, family, arch_task);
    known += (known.empty() ? "" : ", ") + name;
  }
  throw FormatError(config->path + ": architecture \"" + arch + "\" is not supported for " +
                    config->model_type + " (supported: " + known + ")");
}

std::unique_ptr<PreTrainedModel> load_model(const std::string& dir, ModelTask task) {
  auto model = create_model(dir, task);
  model->load_weights(SafetensorsCheckpoint::open(dir));
  return model;
}

std::unique_ptr<PreTrainedModel> load_model_from_architectures(const std::string& dir) {
  auto model = create_model(dir, std::nullopt);
  model->load_weights(SafetensorsCheckpoint::open(dir));
  return model;
}

std::unique_ptr<PreTrainedModel> load_pretrained(const std::string& name_or_path, const std::string& revision,
                                                 ModelTask task) {
  return load_model(hub::resolve_pretrained(name_or_path, revision), task);
}

std::shared_ptr<const ModelConfig> AutoConfig::from_pretrained(const std::string& name_or_path,
                                                               const std::string& revision) {
  return load_config(hub::resolve_pretrained(name_or_path, revision));
}

std::vector<std::string> supported_architectures() {
  std::vector<std::string> out;
  for (const auto& f : models::model_families())
    for (const auto& [name, task] : f.architectures) out.push_back(name);
  return out;
}

}  // namespace cuddle
