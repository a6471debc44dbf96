// Adapter folders in peft's layout: adapter_config.json + adapter_model.safetensors with
// keys base_model.model.<module>.lora_A.weight / .lora_B.weight (an Embedding's
// .lora_embedding_A / .lora_embedding_B), modules_to_save as
// base_model.model.<module>.<param>, biases (bias "all" / "lora_only") as the base layer's.
#include <filesystem>
#include <fstream>

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/peft.h"
#include "cuddle/safetensors.h"
#include "io/atomic_file.h"
#include "peft/lora_layer.h"
#include "peft/modules_to_save.h"

namespace fs = std::filesystem;

namespace cuddle::peft {

namespace {
const std::string kPrefix = "base_model.model.";

// A folder as given, or a Hub repo id resolved through the huggingface_hub cache.
std::string resolve(const std::string& dir_or_repo, const std::string& revision) {
  std::error_code ec;
  if (fs::is_directory(dir_or_repo, ec)) return dir_or_repo;
  return hub::resolve_pretrained(dir_or_repo, revision);
}

std::string weights_file(const std::string& dir) {
  const fs::path st = fs::path(dir) / "adapter_model.safetensors";
  std::error_code ec;
  if (fs::is_regular_file(st, ec)) return st.string();
  if (fs::is_regular_file(fs::path(dir) / "adapter_model.bin", ec))
    throw FormatError(dir + ": holds only adapter_model.bin (a pickle, which cuddle does not load). Convert it once "
                      "with: python -c \"import torch; from safetensors.torch import save_file; "
                      "save_file(torch.load('adapter_model.bin', weights_only=True), 'adapter_model.safetensors', "
                      "metadata={'format': 'pt'})\"");
  throw IoError(st.string() + ": not found (a PEFT adapter folder holds adapter_config.json and "
                              "adapter_model.safetensors)");
}

Tensor f32_copy(const Tensor& t) {
  autograd::NoGradGuard no_grad;
  return t.to(DType::F32).contiguous().clone();
}

void expect_shape(const Tensor& t, const Shape& want, const std::string& key, const std::string& file,
                  const std::string& why) {
  if (t.shape() != want)
    throw FormatError(file + ": " + key + " has shape " + shape_str(t.shape()) + " but " + why + " needs " +
                      shape_str(want) + " (rank or shape does not match the base model)");
}
// A LoRA factor key (<module>.lora_A.weight, <module>.lora_embedding_B, ...) put into its
// layer after checking its shape; false for other keys.
template <class LayerOf>
bool load_factor(const std::string& rest, const std::string& key, const std::string& file, const Tensor& t,
                 const std::string& name, const LoraConfig& cfg, LayerOf&& layer_of) {
  struct Suffix {
    const char* text;
    char which;
    bool embedding;
  };
  for (const Suffix& s : {Suffix{".lora_A.weight", 'A', false}, Suffix{".lora_B.weight", 'B', false},
                          Suffix{".lora_embedding_A", 'A', true}, Suffix{".lora_embedding_B", 'B', true}}) {
    const std::string suffix = s.text;
    if (!rest.ends_with(suffix)) continue;
    const std::string path = rest.substr(0, rest.size() - suffix.size());
    LoraLayer& layer = layer_of(path, key);
    if (layer.embedding_names() != s.embedding)
      throw FormatError(file + ": " + key + ": " + path + " is a module of type " + layer.kind() + ", whose factors peft saves as " +
                        path + "." + layer.factor_name(s.which, ""));
    const int64_t r = cfg.rank_for(path);
    LoraWeights& w = layer.adapters.at(name);
    const bool a = s.which == 'A';
    expect_shape(t, a ? layer.a_shape(r) : layer.b_shape(r), key, file,
                 path + " (" + layer.kind() + ", " + (a ? layer.a_dims() : layer.b_dims()) + ", r " + std::to_string(r) + ")");
    (a ? w.A : w.B) = f32_copy(t);
    return true;
  }
  return false;
}
}  // namespace

bool is_adapter_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "adapter_config.json", ec);
}

NamedTensors PeftModel::adapter_state_dict(const std::string& name) const {
  const LoraConfig& cfg = config(name);
  NamedTensors out;
  for (const auto& [path, layer] : layers_) {
    auto it = layer->adapters.find(name);
    if (it == layer->adapters.end()) continue;
    out.emplace_back(kPrefix + path + "." + layer->factor_name('A', ""), it->second.A.contiguous());
    out.emplace_back(kPrefix + path + "." + layer->factor_name('B', ""), it->second.B.contiguous());
  }
  for (const auto& [path, saved] : saved_)
    if (auto it = saved->copies.find(name); it != saved->copies.end())
      for (const auto& [local, t] : it->second) out.emplace_back(kPrefix + path + "." + local, t.contiguous());
  for (const auto& [key, bias] : trained_biases(cfg.bias)) out.emplace_back(kPrefix + key, bias->contiguous());
  return out;
}

void PeftModel::save_pretrained(const std::string& dir, const std::vector<std::string>& names) const {
  const std::vector<std::string> which = names.empty() ? adapters() : names;
  for (const std::string& name : which) {
    const fs::path out = name == "default" ? fs::path(dir) : fs::path(dir) / name;
    fs::create_directories(out);
    LoraConfig cfg = config(name);
    cfg.inference_mode = true;  // as peft writes it
    save_safetensors((out / "adapter_model.safetensors").string(), adapter_state_dict(name), {{"format", "pt"}});
    io::write_file_atomic((out / "adapter_config.json").string(), cfg.to_json());
    // The card the Hub shows: what the adapter needs to run.
    std::string card = "---\n";
    if (!cfg.base_model_name_or_path.empty()) card += "base_model: " + cfg.base_model_name_or_path + "\n";
    card += "library_name: peft\ntags:\n- lora\n---\n\n# LoRA adapter\n\nr " + std::to_string(cfg.rank_for("")) +
            " on " + model_->class_name() + ", saved by cuddle in peft 0.21's format.\n";
    io::write_file_atomic((out / "README.md").string(), card);
  }
}

void PeftModel::load_adapter(const std::string& dir_or_repo, const std::string& name, const LoadOptions& options) {
  const std::string dir = resolve(dir_or_repo, options.revision);
  if (!is_adapter_dir(dir))
    throw IoError(dir + ": no adapter_config.json (not a PEFT adapter folder)");
  const std::string file = weights_file(dir);
  const LoraConfig cfg = LoraConfig::from_pretrained(dir);
  inject(name, cfg, /*init=*/false);

  const SafetensorsFile weights = SafetensorsFile::open(file);
  std::set<std::string> modules;
  for (const auto& [path, module] : model_->named_modules()) modules.insert(path);
  auto layer_of = [&](const std::string& path, const std::string& key) -> LoraLayer& {
    auto it = layers_.find(path);
    if (it != layers_.end() && it->second->adapters.contains(name)) return *it->second;
    if (!modules.contains(path))
      throw FormatError(file + ": " + key + " adapts module \"" + path + "\", which " + model_->class_name() +
                        " does not have (was the adapter made for another base model?)");
    throw FormatError(file + ": " + key + " adapts \"" + path +
                      "\", which adapter_config.json's target_modules does not select");
  };
  std::map<std::string, Tensor*> biases;
  for (const auto& [key, bias] : trained_biases(cfg.bias)) biases[key] = bias;
  for (const std::string& key : weights.names()) {
    if (!key.starts_with(kPrefix))
      throw FormatError(file + ": key \"" + key + "\" does not start with \"" + kPrefix + "\" (not peft's layout)");
    const std::string rest = key.substr(kPrefix.size());
    const Tensor t = weights.tensor(key);
    if (rest.find(".lora_magnitude_vector") != std::string::npos)
      throw FormatError(file + ": " + key + ": DoRA is not supported by cuddle yet");
    if (load_factor(rest, key, file, t, name, cfg, layer_of)) continue;
    // A modules_to_save tensor or a bias.
    bool placed = false;
    for (auto& [path, saved] : saved_) {
      if (!rest.starts_with(path + ".")) continue;
      const std::string local = rest.substr(path.size() + 1);
      auto& copy = saved->copies.at(name);
      if (!copy.contains(local))
        throw FormatError(file + ": " + key + ": module " + path + " has no parameter \"" + local + "\"");
      expect_shape(t, copy[local].shape(), key, file, path + "." + local);
      copy[local] = f32_copy(t);
      placed = true;
    }
    if (placed) continue;
    auto bias = biases.find(rest);
    if (bias == biases.end())
      throw FormatError(file + ": unexpected key \"" + key + "\": it is no LoRA weight, no parameter of a "
                        "modules_to_save module and no bias that bias \"" + cfg.bias + "\" trains in " +
                        model_->class_name());
    expect_shape(t, bias->second->shape(), key, file, rest);
    *bias->second = f32_copy(t);
  }
  for (const auto& [path, layer] : layers_) {
    auto it = layer->adapters.find(name);
    if (it != layer->adapters.end() && (!it->second.A.defined() || !it->second.B.defined()))
      throw FormatError(file + ": no " + kPrefix + path + "." +
                        layer->factor_name(it->second.A.defined() ? 'B' : 'A', "") +
                        ", though adapter_config.json's target_modules selects " + path);
  }
  apply_active();
}

PeftModel PeftModel::from_pretrained(std::shared_ptr<PreTrainedModel> base, const std::string& adapter_dir_or_repo,
                                     const LoadOptions& options) {
  PeftModel m(std::move(base));
  m.load_adapter(adapter_dir_or_repo, options.adapter_name, options);
  m.trainable_ = options.is_trainable;
  m.apply_active();
  return m;
}

std::string adapter_base_dir(const std::string& adapter_dir) {
  const LoraConfig cfg = LoraConfig::from_pretrained(adapter_dir);
  if (cfg.base_model_name_or_path.empty())
    throw FormatError(adapter_dir + "/adapter_config.json: base_model_name_or_path is null; give the base model "
                                    "explicitly (--model BASE --adapter " + adapter_dir + ")");
  return resolve(cfg.base_model_name_or_path, cfg.revision.empty() ? "main" : cfg.revision);
}

void apply_adapter(PreTrainedModel& model, const std::string& adapter_dir_or_repo, const std::string& revision) {
  // Not owned: the PeftModel goes away, the adapter layers it installed stay in the model.
  std::shared_ptr<PreTrainedModel> view(&model, [](PreTrainedModel*) {});
  AdapterLoadOptions options;
  options.revision = revision;
  PeftModel::from_pretrained(view, adapter_dir_or_repo, options);
}

PeftModel PeftModel::from_pretrained(const std::string& adapter_dir_or_repo, const LoadOptions& options) {
  const std::string dir = resolve(adapter_dir_or_repo, options.revision);
  const LoraConfig cfg = LoraConfig::from_pretrained(dir);
  const std::string base_dir = adapter_base_dir(dir);
  const auto task = task_for(cfg.task_type);
  std::shared_ptr<PreTrainedModel> base =
      task ? load_model(base_dir, *task) : load_model_from_architectures(base_dir);
  return from_pretrained(std::move(base), dir, options);
}

}  // namespace cuddle::peft
