// peft's ModulesToSaveWrapper: a module (a task head) trained and saved in full, one copy
// per adapter beside the original, swapped into the module's parameter slots.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cuddle/nn.h"

namespace cuddle::peft {

struct SavedModule {
  SavedModule(std::string path, nn::Module& module);
  std::string path;
  nn::Module& module;
  std::vector<std::string> order;  // local parameter names in the module's registration order
  std::map<std::string, Tensor> original;                            // local name -> tensor
  std::map<std::string, std::map<std::string, Tensor>> copies;       // adapter -> local name -> tensor
  // Puts adapter `name`'s copy (or the original when it has none, or name is "") into the
  // module's slots and re-prepares the module.
  void show(const std::string& name);
  // A fresh f32 copy of the original for adapter `name`.
  void add_copy(const std::string& name);
  int64_t numel_of(const std::map<std::string, Tensor>& tensors) const;

 private:
  // A Linear head held quantized in the base (bitsandbytes' default rule may quantize a
  // task head): the original runs quantized, the copies are f32 (trainable, saved in full).
  nn::Linear* quantized_linear_ = nullptr;
  std::shared_ptr<const nn::QuantizedLinear> quantized_;
};

}  // namespace cuddle::peft
