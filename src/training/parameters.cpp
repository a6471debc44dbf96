#include <algorithm>
#include <cctype>
#include <set>

#include "cuddle/optim.h"

namespace cuddle::training {

std::vector<Parameter> trainable_parameters(nn::Module& module) {
  std::vector<Parameter> out;
  std::set<const void*> seen;  // tied parameters share one autograd state
  for (const auto& slot : module.named_parameters()) {
    const Tensor& t = *slot.tensor;
    if (!t.defined() || !t.requires_grad()) continue;
    if (!seen.insert(t.autograd_meta().get()).second) continue;
    out.push_back({slot.name, t});
  }
  return out;
}

bool uses_weight_decay(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.ends_with("bias")) return false;
  if (lower.find("layernorm") != std::string::npos || lower.find("rmsnorm") != std::string::npos ||
      lower.find("layer_norm") != std::string::npos)
    return false;
  // A module path component named "norm" or ending in "_norm" (norm.weight, final_norm.weight).
  size_t start = 0;
  while (start <= lower.size()) {
    const size_t dot = lower.find('.', start);
    const std::string part = lower.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot != std::string::npos && (part == "norm" || part.ends_with("_norm"))) return false;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return true;
}

std::vector<ParamGroup> decay_parameter_groups(nn::Module& module, double lr, double weight_decay) {
  ParamGroup decay, no_decay;
  decay.lr = no_decay.lr = lr;
  decay.weight_decay = weight_decay;
  for (auto& p : trainable_parameters(module)) (uses_weight_decay(p.name) ? decay : no_decay).params.push_back(p);
  std::vector<ParamGroup> groups;
  for (auto* g : {&decay, &no_decay})
    if (!g->params.empty()) groups.push_back(*g);
  return groups;
}

std::vector<Parameter> all_parameters(const Optimizer& optimizer) {
  std::vector<Parameter> out;
  for (const auto& g : optimizer.param_groups()) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

}  // namespace cuddle::training
