#include "peft/modules_to_save.h"

#include "cuddle/autograd.h"

namespace cuddle::peft {

SavedModule::SavedModule(std::string p, nn::Module& m) : path(std::move(p)), module(m) {
  if (auto* lin = dynamic_cast<nn::Linear*>(&m); lin && lin->quantized) {
    quantized_linear_ = lin;
    quantized_ = lin->quantized;
  }
  for (const auto& slot : module.named_parameters()) {
    original[slot.name] = *slot.tensor;
    order.push_back(slot.name);
  }
}

void SavedModule::show(const std::string& name) {
  auto it = copies.find(name);
  const auto& tensors = it == copies.end() ? original : it->second;
  for (const auto& slot : module.named_parameters()) *slot.tensor = tensors.at(slot.name);
  if (quantized_linear_) quantized_linear_->quantized = it == copies.end() ? quantized_ : nullptr;
  nn::visit_loaded(module);
}

void SavedModule::add_copy(const std::string& name) {
  autograd::NoGradGuard no_grad;
  auto& copy = copies[name];
  for (const auto& [local, t] : original)
    copy[local] = quantized_ && local == "weight" ? quantized_->dequantized_weight() : t.to(DType::F32).contiguous().clone();
}

int64_t SavedModule::numel_of(const std::map<std::string, Tensor>& tensors) const {
  int64_t n = 0;
  for (const auto& [local, t] : tensors) n += t.numel();
  return n;
}

}  // namespace cuddle::peft
