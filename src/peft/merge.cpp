// Folding adapters into the base weights (merge / unmerge / merge_and_unload / unload) and
// combining adapters (add_weighted_adapter).
#include <cmath>

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "cuddle/peft.h"
#include "peft/lora_layer.h"
#include "peft/modules_to_save.h"

namespace cuddle::peft {

void PeftModel::merge_adapter() {
  // All or nothing: a quantized layer anywhere refuses before any weight changes.
  for (auto& [path, layer] : layers_)
    if (layer->quantized())
      throw Error("merge: " + path + " is quantized (bitsandbytes 8-bit / 4-bit); merging a LoRA adapter into a "
                  "quantized base is not supported - load the base without quantization to merge");
  for (auto& [path, layer] : layers_) layer->merge();
  nn::visit_loaded(*model_);  // fused projections read the merged weights
}

void PeftModel::unmerge_adapter() {
  for (auto& [path, layer] : layers_) layer->unmerge();
  nn::visit_loaded(*model_);
}

std::shared_ptr<PreTrainedModel> PeftModel::merge_and_unload() {
  merge_adapter();
  std::shared_ptr<PreTrainedModel> model = unload_keeping_merged();
  return model;
}

std::shared_ptr<PreTrainedModel> PeftModel::unload() {
  for (auto& [path, layer] : layers_) layer->unmerge();
  for (auto& [path, saved] : saved_) saved->show("");
  return unload_keeping_merged();
}

// Removes every adapter, leaving weights (merged or not) and the modules_to_save tensors
// the model shows now.
std::shared_ptr<PreTrainedModel> PeftModel::unload_keeping_merged() {
  for (auto& [path, layer] : layers_) layer->uninstall();
  layers_.clear();
  saved_.clear();
  configs_.clear();
  active_.clear();
  for (const auto& slot : model_->named_parameters())
    if (slot.tensor->defined() && slot.tensor->requires_grad()) slot.tensor->set_requires_grad(false);
  nn::visit_loaded(*model_);
  return std::move(model_);
}

void PeftModel::add_weighted_adapter(const std::vector<std::string>& names, const std::vector<double>& weights,
                                     const std::string& new_name, const std::string& combination_type) {
  if (names.empty() || names.size() != weights.size())
    throw Error("add_weighted_adapter: give one weight per adapter (" + std::to_string(names.size()) + " adapters, " +
                std::to_string(weights.size()) + " weights)");
  if (combination_type != "linear" && combination_type != "cat")
    throw Error("add_weighted_adapter: combination_type \"" + combination_type +
                "\" is not supported (cuddle has \"linear\" and \"cat\")");
  for (const auto& n : names) config(n);
  if (configs_.contains(new_name)) throw Error("add_weighted_adapter: an adapter named \"" + new_name + "\" exists");
  LoraConfig cfg = config(names[0]);
  // The new adapter targets every module one of the sources does.
  std::set<std::string> targets;
  for (const auto& n : names) {
    const LoraConfig& c = config(n);
    if (c.target_modules_regex) throw Error("add_weighted_adapter: source \"" + n + "\" uses a target_modules regex");
    targets.insert(c.target_modules.begin(), c.target_modules.end());
  }
  int64_t new_r = 0;
  if (combination_type == "linear") {
    for (const auto& n : names)
      if (config(n).r != cfg.r || !config(n).rank_pattern.empty())
        throw Error("add_weighted_adapter: \"linear\" needs adapters of one rank (\"" + names[0] + "\" has r " +
                    std::to_string(cfg.r) + ", \"" + n + "\" r " + std::to_string(config(n).r) + "); use \"cat\"");
    new_r = cfg.r;
  } else {
    for (const auto& n : names) new_r += config(n).r;
  }
  cfg.r = new_r;
  cfg.lora_alpha = static_cast<double>(new_r);
  cfg.rank_pattern.clear();
  cfg.alpha_pattern.clear();
  cfg.target_modules.assign(targets.begin(), targets.end());
  cfg.target_modules_regex.reset();
  autograd::NoGradGuard no_grad;
  for (auto& [path, layer] : layers_) {
    // A's rows and B's columns hold the rank, whatever the layer type (Conv2d: A [r, in, kh,
    // kw], B [out, r, 1, 1]; Embedding: A [r, num_embeddings], B [embedding_dim, r]).
    Tensor A = Tensor::zeros(layer->a_shape(new_r)), B = Tensor::zeros(layer->b_shape(new_r));
    const int64_t in = A.numel() / new_r, out = B.size(0);
    bool any = false;
    int64_t row = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      auto it = layer->adapters.find(names[i]);
      if (it == layer->adapters.end()) continue;
      const LoraWeights& w = it->second;
      const int64_t r = w.A.size(0);
      const Tensor a = w.A.contiguous(), b = w.B.contiguous();
      // linear: both factors scaled by sqrt(w s) and summed; cat: A scaled by w s, stacked.
      const double fa = combination_type == "linear" ? std::sqrt(weights[i] * w.scaling) : weights[i] * w.scaling;
      const double fb = combination_type == "linear" ? fa : 1.0;
      const int64_t off = combination_type == "linear" ? 0 : row;
      for (int64_t k = 0; k < r; ++k)
        for (int64_t j = 0; j < in; ++j) A.data<float>()[(off + k) * in + j] += static_cast<float>(fa * a.data<float>()[k * in + j]);
      for (int64_t o = 0; o < out; ++o)
        for (int64_t k = 0; k < r; ++k)
          B.data<float>()[o * new_r + off + k] += static_cast<float>(fb * b.data<float>()[o * r + k]);
      row += r;
      any = true;
    }
    if (!any) continue;
    layer->adapters[new_name] = LoraWeights{A, B, 1.0f, static_cast<float>(cfg.lora_dropout)};
  }
  // modules_to_save: the first source's copy, as peft takes it.
  for (auto& [path, saved] : saved_)
    if (auto it = saved->copies.find(names[0]); it != saved->copies.end()) {
      auto& copy = saved->copies[new_name];
      for (const auto& [local, t] : it->second) copy[local] = t.clone();
    }
  configs_[new_name] = cfg;
  apply_active();
}

}  // namespace cuddle::peft
