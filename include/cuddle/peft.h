// PEFT's LoRA on cuddle models: adapters that peft 0.21 reads and writes (adapter_config.json +
// adapter_model.safetensors with its key names), injected by module name into the nn::Linear
// layers of a loaded model, trained through the autograd tape, merged into the weights for
// deployment (docs/peft.md).
//
//   auto model = std::shared_ptr<PreTrainedModel>(load_model(dir, ModelTask::SequenceClassification));
//   peft::LoraConfig cfg;
//   cfg.r = 8; cfg.target_modules = {"query", "value"}; cfg.task_type = "SEQ_CLS";
//   peft::PeftModel lora = peft::get_peft_model(model, cfg);
//   lora.print_trainable_parameters();
//   ... train lora.trainable_parameters() with an optimizer ...
//   lora.save_pretrained("out");
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/nn.h"
#include "cuddle/optim.h"
#include "cuddle/tensor.h"

namespace cuddle::peft {

// peft's LoraConfig, field for field where cuddle honours it (defaults are peft's).
struct LoraConfig {
  int64_t r = 8;
  double lora_alpha = 8.0;
  double lora_dropout = 0.0;
  // Which modules get an adapter: a list (a module path matches a name when it equals it or
  // ends with "." + name), or, when target_modules_regex is set, a regex that must match the
  // whole path; "all-linear" (as the list's only entry or the string) targets every Linear
  // but the output layer (lm_head / a tied decoder, or a SEQ_CLS model's classifier / score).
  std::vector<std::string> target_modules;
  std::optional<std::string> target_modules_regex;
  std::vector<std::string> exclude_modules;
  std::optional<std::string> exclude_modules_regex;
  // Modules trained and saved in full. get_peft_model adds the task's head as peft does
  // (SEQ_CLS and TOKEN_CLS: classifier and score; QUESTION_ANS: qa_outputs).
  std::vector<std::string> modules_to_save;
  std::string bias = "none";  // "none", "all", "lora_only"
  bool use_rslora = false;    // scaling alpha / sqrt(r) instead of alpha / r
  // "true": A kaiming-uniform (bound 1/sqrt(in_features)), B zero, so the adapter starts as
  // the identity; "gaussian": A normal with std 1/r, B zero; "false": both random (tests).
  // Random numbers come from cuddle::manual_seed's sequence, not torch's generator.
  std::string init_lora_weights = "true";
  bool fan_in_fan_out = false;
  // Only layers with these indices (the number after a "layers" / "layer" / "h" / "blocks"
  // style component, or after layers_pattern) get an adapter; empty: all.
  std::vector<int64_t> layers_to_transform;
  std::vector<std::string> layers_pattern;
  // Per-module rank / alpha: the first pattern P with a path matching "(.*\.)?(P)$".
  std::map<std::string, int64_t> rank_pattern;
  std::map<std::string, double> alpha_pattern;
  std::string task_type;  // "SEQ_CLS", "TOKEN_CLS", "CAUSAL_LM", "QUESTION_ANS", "FEATURE_EXTRACTION", "" = none
  std::string base_model_name_or_path;
  std::string revision;
  bool inference_mode = false;

  // Rank and alpha of the module at `path` after rank_pattern / alpha_pattern.
  int64_t rank_for(const std::string& path) const;
  double alpha_for(const std::string& path) const;
  // peft's scaling: alpha / r, or alpha / sqrt(r) with use_rslora.
  double scaling_for(const std::string& path) const;
  // Throws Error naming the field for values cuddle cannot honour (r < 1, an unknown bias
  // or init mode, DoRA and other variants, peft types other than LORA).
  void validate(const std::string& what = "LoraConfig") const;

  // adapter_config.json as peft writes it (every key peft 0.21 writes; the ones cuddle has
  // no use for keep peft's defaults).
  std::string to_json() const;
  // Parses an adapter_config.json document; `what` names the source in errors.
  static LoraConfig from_json(const std::string& json, const std::string& what);
  // Reads DIR/adapter_config.json (IoError when missing).
  static LoraConfig from_pretrained(const std::string& dir);
};

// The task head peft adds to modules_to_save for a task_type (SEQ_CLS / TOKEN_CLS:
// classifier, score; QUESTION_ANS: qa_outputs): trained and saved in full.
std::vector<std::string> task_head_modules(const std::string& task_type);

// The model head a task_type loads (SEQ_CLS -> SequenceClassification, ...); nullopt: the
// class the base's config.json names.
std::optional<ModelTask> task_for(const std::string& task_type);

struct ParameterCounts {
  int64_t trainable = 0;
  int64_t all = 0;
};

struct AdapterLoadOptions {
  std::string adapter_name = "default";
  bool is_trainable = false;
  std::string revision = "main";  // of a Hub repo id
};

class LoraLayer;
struct SavedModule;

// A model with LoRA adapters installed (peft's PeftModel over a LoraModel). The adapters live
// in the model's own Linear layers, so model() runs with them wherever it is passed (a
// pipeline, generation); this object manages them.
class PeftModel {
 public:
  PeftModel(const PeftModel&) = delete;
  PeftModel& operator=(const PeftModel&) = delete;
  PeftModel(PeftModel&&) noexcept;
  PeftModel& operator=(PeftModel&&) noexcept;
  ~PeftModel();

  using LoadOptions = AdapterLoadOptions;
  // Adapter folder (or Hub repo id with adapter_config.json) onto `base` as `adapter_name`.
  // Inference mode unless is_trainable. Throws Error when the folder holds only
  // adapter_model.bin, when the adapter targets modules the base lacks, when a shape or
  // rank differs from the base, or when it was made for another architecture.
  static PeftModel from_pretrained(std::shared_ptr<PreTrainedModel> base, const std::string& adapter_dir_or_repo,
                                   const LoadOptions& options);
  static PeftModel from_pretrained(std::shared_ptr<PreTrainedModel> base, const std::string& adapter_dir_or_repo) {
    return from_pretrained(std::move(base), adapter_dir_or_repo, LoadOptions{});
  }
  // The same, loading the base from adapter_config.json's base_model_name_or_path (a folder
  // or Hub repo id) with the head its task_type names.
  static PeftModel from_pretrained(const std::string& adapter_dir_or_repo, const LoadOptions& options);

  PreTrainedModel& model() { return *model_; }
  const PreTrainedModel& model() const { return *model_; }
  std::shared_ptr<PreTrainedModel> model_ptr() const { return model_; }
  ModelOutputs forward(const ModelInputs& inputs, bool output_hidden_states = false) const {
    return model_->forward(inputs, output_hidden_states);
  }

  // Adds a fresh adapter (initialised per config.init_lora_weights), not made active.
  void add_adapter(const std::string& name, const LoraConfig& config);
  // Loads another adapter folder under `name` (LoadOptions.adapter_name is ignored).
  void load_adapter(const std::string& adapter_dir_or_repo, const std::string& name, const LoadOptions& options = {});
  // Makes `name` the one adapter that runs (and, when trainable, the one that trains).
  void set_adapter(const std::string& name);
  const std::string& active_adapter() const { return active_; }
  std::vector<std::string> adapters() const;
  const LoraConfig& config(const std::string& name) const;
  void delete_adapter(const std::string& name);

  // peft's add_weighted_adapter: a new adapter `name` combining `adapters` with `weights`.
  // "linear" (equal ranks): A = sum sqrt(w_i s_i) A_i, B = sum sqrt(w_i s_i) B_i, alpha = r;
  // "cat": A_i scaled by w_i s_i stacked by rows, B_i by columns, r = sum r_i, alpha = r.
  void add_weighted_adapter(const std::vector<std::string>& adapters, const std::vector<double>& weights,
                            const std::string& name, const std::string& combination_type = "linear");

  // W += scaling B A for the active adapter (forward then skips the low-rank pass), and
  // back. Refused for a quantized base.
  void merge_adapter();
  void unmerge_adapter();
  // Merges the active adapter, installs its modules_to_save copies, removes every adapter
  // and returns the plain model (this object is then empty).
  std::shared_ptr<PreTrainedModel> merge_and_unload();
  // The base without adapters, unmerged.
  std::shared_ptr<PreTrainedModel> unload();

  // peft's `with model.disable_adapter():` - the base model's own outputs (and original
  // modules_to_save) while the returned object lives.
  class DisabledScope {
   public:
    explicit DisabledScope(PeftModel& m);
    ~DisabledScope();
    DisabledScope(const DisabledScope&) = delete;
    DisabledScope& operator=(const DisabledScope&) = delete;

   private:
    PeftModel& m_;
  };
  [[nodiscard]] DisabledScope disable_adapter() { return DisabledScope(*this); }

  // The tensors that train, under peft's names (base_model.model.<module>.lora_A.default.weight,
  // ...classifier.modules_to_save.default.weight): handles on the live tensors, for an
  // optimizer. Frozen weights do not require grad and get no gradient.
  std::vector<training::Parameter> trainable_parameters() const;
  // The Trainer's grouping of trainable_parameters(): weight decay except biases and norms.
  std::vector<training::ParamGroup> parameter_groups(double lr, double weight_decay) const;
  // peft's get_nb_trainable_parameters (every adapter's tensors and both copies of a
  // modules_to_save module count in `all`).
  ParameterCounts get_nb_trainable_parameters() const;
  // "trainable params: 1,234 || all params: 5,678 || trainable%: 21.7330", as peft prints.
  std::string trainable_parameters_line() const;
  void print_trainable_parameters() const;

  // The adapter's tensors under the names save_pretrained writes them.
  NamedTensors adapter_state_dict(const std::string& name) const;
  // adapter_config.json + adapter_model.safetensors (atomically) in `dir` for the default
  // adapter and in dir/<name>/ for the others, as peft does; `names` empty: every adapter.
  void save_pretrained(const std::string& dir, const std::vector<std::string>& names = {}) const;

 private:
  friend PeftModel get_peft_model(std::shared_ptr<PreTrainedModel> model, const LoraConfig& config,
                                  const std::string& adapter_name);
  explicit PeftModel(std::shared_ptr<PreTrainedModel> model);
  void inject(const std::string& name, const LoraConfig& config, bool trainable);
  void apply_active();
  void set_trainable(bool on);
  void set_disabled(bool on);
  std::shared_ptr<PreTrainedModel> unload_keeping_merged();
  // The biases that train with the config's bias "all" / "lora_only": their names under
  // base_model.model. (an adapted layer's as <module>.base_layer.bias) and slots.
  std::vector<std::pair<std::string, Tensor*>> trained_biases(const std::string& bias) const;

  std::shared_ptr<PreTrainedModel> model_;
  std::map<std::string, LoraConfig> configs_;
  std::string active_;
  bool trainable_ = false;
  // Per adapted layer (Linear, Conv1D, Embedding, Conv2d), by module path.
  std::map<std::string, std::shared_ptr<LoraLayer>> layers_;
  std::map<std::string, std::unique_ptr<SavedModule>> saved_;  // modules_to_save, by path
};

// Installs a fresh adapter `adapter_name` from `config` on `model`, freezes everything else
// except modules_to_save (and the task head peft adds for the task_type) and, with bias
// "all" / "lora_only", the biases; the model is made trainable (own f32 tensors).
PeftModel get_peft_model(std::shared_ptr<PreTrainedModel> model, const LoraConfig& config,
                         const std::string& adapter_name = "default");

// Folder with adapter_config.json (a PEFT adapter rather than a model).
bool is_adapter_dir(const std::string& dir);

// PeftModel::from_pretrained for a caller that keeps owning `model` (a pipeline's loader):
// the adapter is installed in the model's layers for inference and stays there.
void apply_adapter(PreTrainedModel& model, const std::string& adapter_dir_or_repo, const std::string& revision = "main");

// The base model an adapter folder names (base_model_name_or_path), resolved to a folder
// (Hub repo ids through the cache at the config's revision). Throws when it names none.
std::string adapter_base_dir(const std::string& adapter_dir);

}  // namespace cuddle::peft
