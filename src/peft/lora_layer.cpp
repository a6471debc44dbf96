#include "peft/lora_layer.h"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "models/gpt2/gpt2_model.h"
#include "peft/lora_layers.h"

namespace cuddle::peft {

std::string LoraLayer::factor_name(char which, const std::string& adapter) const {
  const std::string tail = adapter.empty() ? "" : "." + adapter;
  if (embedding_names()) return std::string("lora_embedding_") + which + tail;
  return std::string("lora_") + which + tail + ".weight";
}

const LoraWeights* LoraLayer::running() const {
  if (disabled || active_name.empty() || merged_name_ == active_name) return nullptr;
  auto it = adapters.find(active_name);
  return it == adapters.end() ? nullptr : &it->second;
}

void LoraLayer::merge() {
  if (merged() || active_name.empty()) return;
  if (quantized())
    throw Error("merge: the base Linear is quantized (bitsandbytes); merging a LoRA adapter into 8-bit / 4-bit "
                "weights is not supported - load the base in f32 to merge");
  autograd::NoGradGuard no_grad;
  unmerged_weight_ = weight_;
  Tensor merged_weight = ops::add(weight_, delta_weight(active_name));
  if (unmerged_weight_.requires_grad()) {
    merged_weight.set_requires_grad(true);
    merged_weight.autograd_meta()->name = unmerged_weight_.autograd_meta()->name;
  }
  weight_ = merged_weight;
  merged_name_ = active_name;
}

void LoraLayer::unmerge() {
  if (!merged()) return;
  weight_ = unmerged_weight_;
  unmerged_weight_ = Tensor();
  merged_name_.clear();
}

void LoraLayer::uninstall() {
  if (slot_) slot_->reset();
  slot_ = nullptr;
}

std::shared_ptr<LoraLayer> make_lora_layer(nn::Module& m, const std::string& path) {
  // Made and put in the module's adapter slot, unless something else sits there.
  auto install = [&](auto& module, auto make) -> std::shared_ptr<LoraLayer> {
    if (module.adapter)
      throw Error("PeftModel: " + path + " already carries an adapter that is not a LoRA layer of this model");
    std::shared_ptr<LoraLayer> layer = make();
    module.adapter = layer;
    layer->slot_ = &module.adapter;
    return layer;
  };
  if (auto* l = dynamic_cast<nn::Linear*>(&m)) return install(*l, [&] { return make_lora_linear(*l); });
  if (auto* c = dynamic_cast<models::Conv1D*>(&m)) return install(*c, [&] { return make_lora_conv1d(*c); });
  if (auto* e = dynamic_cast<nn::Embedding*>(&m)) return install(*e, [&] { return make_lora_embedding(*e); });
  if (auto* c = dynamic_cast<nn::Conv2d*>(&m)) return install(*c, [&] { return make_lora_conv2d(*c, path); });
  return nullptr;
}

bool is_linear_like(const nn::Module& m) {
  return dynamic_cast<const nn::Linear*>(&m) || dynamic_cast<const models::Conv1D*>(&m);
}

std::string module_type_name(const nn::Module& m) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(typeid(m).name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : typeid(m).name();
  std::free(demangled);
  // "cuddle::models::(anonymous namespace)::GPT2Block" -> "GPT2Block"
  const size_t colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

}  // namespace cuddle::peft
