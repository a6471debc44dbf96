// GPT2LMHeadModel: learned position embeddings, pre-LayerNorm blocks whose projections are
// Conv1D modules (weights [in, out], the transpose of a Linear's), the LM head tied to the
// token embeddings.
#pragma once
#include <memory>

#include "models/decoder_lm.h"
#include "models/gpt2/gpt2_config.h"

namespace cuddle::models {

// transformers' Conv1D: y = x W + b with W [in, out]. Stored as the checkpoint has it;
// after loading the GEMM reads a transposed copy (the micro-kernels want [out, in] rows).
// A trainable weight (requires grad) is read through a transposed view on every call
// instead, so the gradient reaches it and optimiser updates are seen at once. Quantized
// (bitsandbytes turns a Conv1D into a Linear8bitLt / Linear4bit of the transposed weight),
// `quantized` computes the layer and `weight` holds its stored [out, in] form.
class Conv1D : public nn::Module {
 public:
  Conv1D(int64_t in_features, int64_t out_features);
  Tensor forward(const Tensor& x, Activation act = Activation::Identity) const;
  void on_loaded() override;
  Tensor weight, bias;
  // Set and active: forward adds the adapter's delta(x) before the activation (peft's LoRA
  // on Conv1D, fan_in_fan_out).
  std::shared_ptr<const nn::LayerAdapter> adapter;
  std::shared_ptr<const nn::QuantizedLinear> quantized;

 private:
  ops::LinearWeight gemm_weight_;
};

std::unique_ptr<PreTrainedModel> create_gpt2(std::shared_ptr<const ModelConfig> config, ModelTask task);

}  // namespace cuddle::models
