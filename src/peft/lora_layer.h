// One adapted layer: every named LoRA adapter of that module (peft's LoraLayer), installed
// as the module's nn::LayerAdapter so its forward adds the active one's update. One subclass
// per layer type peft adapts, each with peft's factor shapes, names, init and merge rule
// (src/peft/tuners/lora/layer.py in peft 0.21).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "cuddle/nn.h"

namespace cuddle::peft {

struct LoraWeights {
  Tensor A;  // Linear [r, in]; Embedding [r, num_embeddings]; Conv2d [r, in, kh, kw]
  Tensor B;  // Linear [out, r]; Embedding [embedding_dim, r]; Conv2d [out, r, 1, 1]
  float scaling = 1.0f;
  float dropout = 0.0f;
};

class LoraLayer : public nn::LayerAdapter {
 public:
  // `weight` is the module's own weight slot, which merge() replaces.
  LoraLayer(nn::Module& module, Tensor& weight) : module_(module), weight_(weight) {}

  bool active() const override { return running() != nullptr; }

  // "Linear", "Conv1D", "Embedding", "Conv2d" (in messages).
  virtual std::string kind() const = 0;
  // Shapes of A and B at rank r.
  virtual Shape a_shape(int64_t r) const = 0;
  virtual Shape b_shape(int64_t r) const = 0;
  // What a factor's shape follows from, for messages ("in_features 32").
  virtual std::string a_dims() const = 0;
  virtual std::string b_dims() const = 0;
  // Fresh factors as peft's reset_lora_parameters draws them for this layer type.
  virtual LoraWeights init(const std::string& mode, int64_t r) const = 0;
  // The adapter's update to the base weight, in the base weight's layout.
  virtual Tensor delta_weight(const std::string& name) const = 0;
  // peft keeps an embedding's factors as bare parameters (lora_embedding_A), others as
  // the weight of a module (lora_A.weight).
  virtual bool embedding_names() const { return false; }
  // The base layer's bias slot, when it has one (bias "all" / "lora_only").
  virtual Tensor* bias() { return nullptr; }
  virtual bool quantized() const { return false; }

  // peft's name of factor 'A' or 'B': of adapter `adapter`'s parameter ("lora_A.default.weight",
  // "lora_embedding_A.default"), or, with adapter "", as saved ("lora_A.weight", "lora_embedding_A").
  std::string factor_name(char which, const std::string& adapter) const;

  std::map<std::string, LoraWeights> adapters;
  std::string active_name;  // "" = none runs
  bool disabled = false;

  // Folds the active adapter into the weight (a new tensor: the loaded one may be a
  // read-only mapping) and back; the caller re-runs on_loaded where derived weights read it.
  void merge();
  void unmerge();
  bool merged() const { return !merged_name_.empty(); }
  // Takes this layer out of the module's adapter slot (the module runs as before).
  void uninstall();

 protected:
  const LoraWeights* running() const;
  // The dropout to apply to the input now (training mode only), 0 otherwise.
  float dropout_now(const LoraWeights& w) const { return module_.is_training() ? w.dropout : 0.0f; }
  const Tensor& weight() const { return weight_; }

 private:
  friend std::shared_ptr<LoraLayer> make_lora_layer(nn::Module& module, const std::string& path);
  nn::Module& module_;
  Tensor& weight_;
  std::shared_ptr<const nn::LayerAdapter>* slot_ = nullptr;  // where make_lora_layer installed it
  std::string merged_name_;
  Tensor unmerged_weight_;  // the weight as it was before merge()
};

// A LoRA layer for `module` installed in its adapter slot, or nullptr when LoRA cannot
// adapt a module of its type. Throws when the module carries another adapter already or is
// a layer peft would refuse (a grouped or dilated Conv2d).
std::shared_ptr<LoraLayer> make_lora_layer(nn::Module& module, const std::string& path);

// True for the layers "all-linear" targets (Linear and GPT-2's Conv1D).
bool is_linear_like(const nn::Module& module);

}  // namespace cuddle::peft
