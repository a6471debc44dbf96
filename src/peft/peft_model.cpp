// PeftModel: installing adapters, choosing the active one, what trains, parameter counts.
#include <cstdio>
#include <filesystem>

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "cuddle/peft.h"
#include "peft/lora_init.h"
#include "peft/lora_layer.h"
#include "peft/lora_layers.h"
#include "peft/modules_to_save.h"
#include "peft/targets.h"

namespace cuddle::peft {

namespace {
const std::string kPrefix = "base_model.model.";

void mark(Tensor& t, bool on, const std::string& name) {
  t.set_requires_grad(on);
  if (on) t.autograd_meta()->name = name;
}

// "1234567" -> "1,234,567" (Python's {:,d}).
std::string with_commas(int64_t v) {
  std::string s = std::to_string(v);
  for (int64_t i = static_cast<int64_t>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), 1, ',');
  return s;
}
}  // namespace

PeftModel::PeftModel(std::shared_ptr<PreTrainedModel> model) : model_(std::move(model)) {
  if (!model_) throw Error("PeftModel: no base model given");
}
PeftModel::PeftModel(PeftModel&&) noexcept = default;
PeftModel& PeftModel::operator=(PeftModel&&) noexcept = default;
PeftModel::~PeftModel() = default;

void PeftModel::inject(const std::string& name, const LoraConfig& config, bool init) {
  config.validate();
  if (configs_.contains(name)) throw Error("PeftModel: an adapter named \"" + name + "\" already exists");
  LoraConfig stored = config;
  for (const auto& [path, module] : target_modules(*model_, config)) {
    if (is_module_to_save(path, config.modules_to_save)) continue;
    auto it = layers_.find(path);
    if (it == layers_.end()) {
      std::shared_ptr<LoraLayer> made = make_lora_layer(*module, path);
      if (!made)
        throw Error("LoraConfig: target_modules selects " + path + ", a " + module_type_name(*module) +
                    "; LoRA adapts Linear, Embedding, Conv2d and Conv1D modules only");
      it = layers_.emplace(path, std::move(made)).first;
    }
    const std::shared_ptr<LoraLayer>& layer = it->second;
    // peft turns fan_in_fan_out on for a Conv1D target and off for a Linear one (with a
    // warning), and saves the last value.
    if (layer->kind() == "Conv1D" || layer->kind() == "Linear") stored.fan_in_fan_out = layer->kind() == "Conv1D";
    const int64_t r = config.rank_for(path);
    LoraWeights w = init ? layer->init(config.init_lora_weights, r) : LoraWeights{};
    w.scaling = static_cast<float>(config.scaling_for(path));
    w.dropout = static_cast<float>(config.lora_dropout);
    layer->adapters[name] = std::move(w);
  }
  // modules_to_save: the outermost module matching a name (its children come with it).
  for (const auto& [path, module] : model_->named_modules()) {
    if (path.empty() || !is_module_to_save(path, config.modules_to_save)) continue;
    bool inside = false;
    for (const auto& [saved_path, s] : saved_) inside |= path.starts_with(saved_path + ".");
    if (inside) continue;
    auto& saved = saved_[path];
    if (!saved) saved = std::make_unique<SavedModule>(path, *module);
    saved->add_copy(name);
  }
  configs_[name] = stored;
  if (active_.empty()) active_ = name;
}

void PeftModel::add_adapter(const std::string& name, const LoraConfig& config) {
  inject(name, config, /*init=*/true);
  apply_active();
}

void PeftModel::set_adapter(const std::string& name) {
  if (!configs_.contains(name)) throw Error("set_adapter: no adapter named \"" + name + "\" (have: " + [&] {
    std::string s;
    for (const auto& [n, c] : configs_) s += (s.empty() ? "" : ", ") + n;
    return s;
  }() + ")");
  for (auto& [path, layer] : layers_)
    if (layer->merged()) throw Error("set_adapter: unmerge the merged adapter first (" + path + " is merged)");
  active_ = name;
  apply_active();
}

std::vector<std::string> PeftModel::adapters() const {
  std::vector<std::string> out;
  for (const auto& [n, c] : configs_) out.push_back(n);
  return out;
}

const LoraConfig& PeftModel::config(const std::string& name) const {
  auto it = configs_.find(name);
  if (it == configs_.end()) throw Error("PeftModel: no adapter named \"" + name + "\"");
  return it->second;
}

void PeftModel::delete_adapter(const std::string& name) {
  config(name);
  for (auto& [path, layer] : layers_) {
    if (layer->merged() && active_ == name) layer->unmerge();
    layer->adapters.erase(name);
  }
  for (auto& [path, saved] : saved_) saved->copies.erase(name);
  configs_.erase(name);
  if (active_ == name) active_ = configs_.empty() ? "" : configs_.begin()->first;
  apply_active();
  nn::visit_loaded(*model_);
}

// Routes every layer to the active adapter and sets what trains.
void PeftModel::apply_active() {
  for (auto& [path, layer] : layers_) layer->active_name = layer->adapters.contains(active_) ? active_ : "";
  // Marked first: a tensor's autograd state is made when it first requires grad, and the
  // module's slot must hold a handle that shares it.
  set_trainable(trainable_);
  for (auto& [path, saved] : saved_) saved->show(active_);
}

void PeftModel::set_trainable(bool on) {
  trainable_ = on;
  // Only the active adapter's tensors (and its modules_to_save copies, and the biases the
  // config names) require grad; every base weight is frozen.
  for (const auto& slot : model_->named_parameters())
    if (slot.tensor->defined() && slot.tensor->requires_grad()) slot.tensor->set_requires_grad(false);
  for (auto& [path, layer] : layers_)
    for (auto& [name, w] : layer->adapters) {
      const bool train = on && name == active_;
      mark(w.A, train, kPrefix + path + "." + layer->factor_name('A', name));
      mark(w.B, train, kPrefix + path + "." + layer->factor_name('B', name));
    }
  for (auto& [path, saved] : saved_)
    for (auto& [name, copy] : saved->copies)
      for (auto& [local, t] : copy) mark(t, on && name == active_, kPrefix + path + ".modules_to_save." + name + "." + local);
  if (!on || active_.empty()) return;
  for (auto& [name, bias] : trained_biases(configs_.at(active_).bias)) {
    // A bias read in place from the checkpoint becomes memory of its own before it trains.
    {
      autograd::NoGradGuard no_grad;
      *bias = bias->to(DType::F32).contiguous().clone();
    }
    mark(*bias, true, kPrefix + name);
  }
  nn::visit_loaded(*model_);
}

std::vector<std::pair<std::string, Tensor*>> PeftModel::trained_biases(const std::string& bias) const {
  std::vector<std::pair<std::string, Tensor*>> out;
  if (bias == "none") return out;
  for (const auto& [path, module] : model_->named_modules()) {
    if (saved_.contains(path)) continue;
    if (auto it = layers_.find(path); it != layers_.end()) {
      if (Tensor* b = it->second->bias()) out.emplace_back(path + ".base_layer.bias", b);
    } else if (auto* linear = dynamic_cast<nn::Linear*>(module); linear && bias == "all" && linear->bias.defined()) {
      out.emplace_back(path + ".bias", &linear->bias);
    }
  }
  return out;
}

std::vector<training::Parameter> PeftModel::trainable_parameters() const {
  std::vector<training::Parameter> out;
  auto add = [&](const Tensor& t) {
    if (t.defined() && t.requires_grad()) out.push_back({t.autograd_meta()->name, t});
  };
  // The order peft's named_parameters walks: module by module through the model.
  for (const auto& [path, module] : model_->named_modules()) {
    if (auto it = layers_.find(path); it != layers_.end()) {
      if (const Tensor* bias = it->second->bias()) add(*bias);
      for (const auto& [name, w] : it->second->adapters) add(w.A);
      for (const auto& [name, w] : it->second->adapters) add(w.B);
    } else if (auto s = saved_.find(path); s != saved_.end()) {
      for (const auto& [name, copy] : s->second->copies)
        for (const auto& local : s->second->order) add(copy.at(local));
    } else if (auto* linear = dynamic_cast<nn::Linear*>(module)) {
      add(linear->bias);
    }
  }
  return out;
}

std::vector<training::ParamGroup> PeftModel::parameter_groups(double lr, double weight_decay) const {
  training::ParamGroup decay{{}, lr, weight_decay}, no_decay{{}, lr, 0.0};
  for (auto& p : trainable_parameters()) (training::uses_weight_decay(p.name) ? decay : no_decay).params.push_back(p);
  std::vector<training::ParamGroup> groups;
  if (!decay.params.empty()) groups.push_back(std::move(decay));
  if (!no_decay.params.empty()) groups.push_back(std::move(no_decay));
  return groups;
}

ParameterCounts PeftModel::get_nb_trainable_parameters() const {
  ParameterCounts c;
  // Shared (tied) tensors count once, as torch's named_parameters yields them once.
  std::set<std::pair<const void*, int64_t>> seen;
  for (const auto& slot : model_->named_parameters()) {
    const Tensor& t = *slot.tensor;
    if (!t.defined()) continue;
    bool in_saved = false;
    for (const auto& [path, s] : saved_) in_saved |= slot.name.starts_with(path + ".");
    if (in_saved || !seen.insert({t.storage().get(), t.offset()}).second) continue;
    c.all += t.numel();
  }
  for (const auto& [path, s] : saved_) {
    c.all += s->numel_of(s->original);
    for (const auto& [name, copy] : s->copies) c.all += s->numel_of(copy);
  }
  for (const auto& [path, layer] : layers_)
    for (const auto& [name, w] : layer->adapters) c.all += w.A.numel() + w.B.numel();
  for (const auto& p : trainable_parameters()) c.trainable += p.tensor.numel();
  return c;
}

std::string PeftModel::trainable_parameters_line() const {
  const ParameterCounts c = get_nb_trainable_parameters();
  char pct[64];
  std::snprintf(pct, sizeof pct, "%.4f", c.all ? 100.0 * static_cast<double>(c.trainable) / static_cast<double>(c.all) : 0.0);
  return "trainable params: " + with_commas(c.trainable) + " || all params: " + with_commas(c.all) +
         " || trainable%: " + pct;
}

void PeftModel::print_trainable_parameters() const { std::printf("%s\n", trainable_parameters_line().c_str()); }

PeftModel::DisabledScope::DisabledScope(PeftModel& m) : m_(m) { m_.set_disabled(true); }
PeftModel::DisabledScope::~DisabledScope() { m_.set_disabled(false); }

void PeftModel::set_disabled(bool on) {
  for (auto& [path, layer] : layers_) layer->disabled = on;
  for (auto& [path, saved] : saved_) saved->show(on ? "" : active_);
}

PeftModel get_peft_model(std::shared_ptr<PreTrainedModel> model, const LoraConfig& config_in,
                         const std::string& adapter_name) {
  LoraConfig config = config_in;
  // peft adds the task's head to modules_to_save (and writes it so in adapter_config.json).
  for (const auto& head : task_head_modules(config.task_type))
    if (std::find(config.modules_to_save.begin(), config.modules_to_save.end(), head) == config.modules_to_save.end())
      config.modules_to_save.push_back(head);
  if (config.base_model_name_or_path.empty() && !model->config().path.empty())
    config.base_model_name_or_path = std::filesystem::path(model->config().path).parent_path().string();
  PeftModel m(std::move(model));
  m.inject(adapter_name, config, /*init=*/true);
  m.trainable_ = true;
  m.apply_active();
  return m;
}

}  // namespace cuddle::peft
