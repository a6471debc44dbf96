// LlamaConfig with transformers' defaults (configuration_llama.py), and the variations of
// the families that share Llama's shape (Mistral's sliding window, Qwen2's q/k/v biases,
// Qwen3's q/k norms), each with its own configuration class's defaults.
#pragma once
#include <memory>

#include "cuddle/activation.h"
#include "cuddle/config.h"
#include "models/config_json.h"
#include "models/rope.h"

namespace cuddle::models {

struct LlamaConfig : ModelConfig {
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 0;  // null: num_attention_heads (multi-head attention)
  int64_t head_dim = 0;             // null: hidden_size / num_attention_heads
  int64_t max_position_embeddings = 2048;
  std::string hidden_act = "silu";
  Activation activation = Activation::Silu;
  double rms_norm_eps = 1e-6;
  bool attention_bias = false;  // q, k, v and o projections
  bool mlp_bias = false;
  RopeParameters rope;

  // ---- family variations ----
  bool qkv_bias = false;         // Qwen2: q / k / v have biases, o_proj has none
  bool qk_norm = false;          // Qwen3: RMSNorm over each head of q and k before RoPE
  int64_t sliding_window = 0;    // Mistral / Qwen2 (use_sliding_window): 0 = full attention
};

std::shared_ptr<LlamaConfig> read_llama_config(const ConfigReader& r);

}  // namespace cuddle::models
