// One adapted nn::Linear: every named LoRA adapter of that module (peft's LoraLayer for
// Linear), installed as the Linear's adapter so its forward adds the active one's
// scaling * B (A (dropout(x))).
#pragma once
#include <map>
#include <string>

#include "cuddle/nn.h"

namespace cuddle::peft {

struct LoraWeights {
  Tensor A;  // [r, in]  (peft's lora_A.weight)
  Tensor B;  // [out, r] (peft's lora_B.weight)
  float scaling = 1.0f;
  float dropout = 0.0f;
};

class LoraLinear : public nn::LinearAdapter {
 public:
  explicit LoraLinear(nn::Linear& base) : base_(base) {}

  bool active() const override;
  Tensor delta(const Tensor& x) const override;
  // Without recording or dropout: t = x A^T ([rows, r]) then y += scaling t B^T, two small
  // GEMMs accumulated into the Linear's output buffer (no second full pass over y).
  bool add_into(const Tensor& x, Tensor& y) const override;

  nn::Linear& base() const { return base_; }
  std::map<std::string, LoraWeights> adapters;
  std::string active_name;  // "" = none runs
  bool disabled = false;

  // scaling * B A ([out, in]) of adapter `name`.
  Tensor delta_weight(const std::string& name) const;
  // Folds the active adapter into base().weight (a new tensor: the loaded one may be a
  // read-only mapping) and back; the caller re-runs on_loaded where fused weights read it.
  void merge();
  void unmerge();
  bool merged() const { return !merged_name_.empty(); }

 private:
  const LoraWeights* running() const;
  nn::Linear& base_;
  std::string merged_name_;
  Tensor unmerged_weight_;  // the weight as it was before merge()
};

}  // namespace cuddle::peft
