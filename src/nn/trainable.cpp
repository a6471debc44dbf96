#include <map>
#include <utility>

#include "cuddle/autograd.h"
#include "cuddle/nn.h"

namespace cuddle::nn {

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void make_trainable(Module& module) {
  // Tied parameters are one tensor seen from two slots: key them by where their elements
  // start so the second slot gets the first one's copy (and its autograd state).
  std::map<std::pair<const void*, int64_t>, Tensor> made;
  for (const Module::Slot& slot : module.named_parameters()) {
    Tensor& t = *slot.tensor;
    if (!t.defined())
      throw Error("make_trainable: parameter " + slot.name + " is not loaded (load the weights first)");
    const auto key = std::make_pair(static_cast<const void*>(t.storage().get()), t.offset());
    if (auto it = made.find(key); it != made.end()) {
      t = it->second;
      continue;
    }
    // Optimisers update in place: a read-only mapping or a shared view must become memory
    // of the parameter's own.
    Tensor owned;
    {
      autograd::NoGradGuard no_grad;
      owned = t.to(DType::F32).contiguous();
      if (owned.storage() == t.storage()) owned = t.clone();
    }
    owned.set_requires_grad(true);
    owned.autograd_meta()->name = slot.name;
    t = owned;
    made.emplace(key, owned);
  }
  visit_loaded(module);
}

}  // namespace cuddle::nn
