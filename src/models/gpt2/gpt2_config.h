// GPT2Config with transformers' defaults (configuration_gpt2.py: the 124M "gpt2").
#pragma once
#include <memory>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"

namespace cuddle::models {

struct GPT2Config : ModelConfig {
  int64_t vocab_size = 50257;
  int64_t n_positions = 1024;
  int64_t n_embd = 768;
  int64_t n_layer = 12;
  int64_t n_head = 12;
  int64_t n_inner = 0;  // null in config.json: 4 * n_embd
  std::string activation_function = "gelu_new";
  Activation activation = Activation::GeluTanh;
  double layer_norm_epsilon = 1e-5;
  bool scale_attn_weights = true;
  bool scale_attn_by_inverse_layer_idx = false;
  // Dropout in training mode: after the embeddings and after each residual projection.
  // attn_pdrop (on the attention probabilities) is read but not applied (docs/training.md).
  double embd_pdrop = 0.1, resid_pdrop = 0.1, attn_pdrop = 0.1;
};

std::shared_ptr<GPT2Config> read_gpt2_config(const ConfigReader& r);

}  // namespace cuddle::models
