#include "models/quantizable_layers.h"

#include "models/gpt2/gpt2_model.h"

namespace cuddle::models {

std::vector<QuantizableLayer> quantizable_layers(nn::Module& root) {
  std::vector<QuantizableLayer> out;
  for (const auto& [name, module] : root.named_modules()) {
    if (auto* l = dynamic_cast<nn::Linear*>(module)) out.push_back({name, &l->weight, &l->quantized, false});
    if (auto* c = dynamic_cast<Conv1D*>(module)) out.push_back({name, &c->weight, &c->quantized, true});
  }
  return out;
}

}  // namespace cuddle::models
