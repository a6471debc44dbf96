// LlamaForCausalLM and the families with its shape (Mistral, Qwen2, Qwen3): pre-RMSNorm
// blocks, rotary positions, grouped-query attention, a SwiGLU MLP.
#include <cmath>

#include "cuddle/ops.h"
#include "models/decoder_lm.h"
#include "models/fused_qkv.h"
#include "models/llama/llama_config.h"
#include "models/registry.h"

namespace cuddle::models {

namespace {

class RMSNorm : public nn::Module {
 public:
  RMSNorm(int64_t dim, double eps) : eps_(float(eps)) { register_parameter("weight", weight, {dim}); }
  Tensor forward(const Tensor& x) const { return ops::rms_norm(x, weight, eps_); }
  Tensor weight;

 private:
  float eps_;
};

class LlamaLayer : public nn::Module {
 public:
  LlamaLayer(const LlamaConfig& c, int64_t index)
      : input_layernorm(c.hidden_size, c.rms_norm_eps),
        q_proj(c.hidden_size, c.num_attention_heads * c.head_dim, c.attention_bias || c.qkv_bias),
        k_proj(c.hidden_size, c.num_key_value_heads * c.head_dim, c.attention_bias || c.qkv_bias),
        v_proj(c.hidden_size, c.num_key_value_heads * c.head_dim, c.attention_bias || c.qkv_bias),
        o_proj(c.num_attention_heads * c.head_dim, c.hidden_size, c.attention_bias),
        post_attention_layernorm(c.hidden_size, c.rms_norm_eps),
        gate_proj(c.hidden_size, c.intermediate_size, c.mlp_bias),
        up_proj(c.hidden_size, c.intermediate_size, c.mlp_bias),
        down_proj(c.intermediate_size, c.hidden_size, c.mlp_bias), c_(c), layer_(index) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn.q_proj", q_proj);
    register_module("self_attn.k_proj", k_proj);
    register_module("self_attn.v_proj", v_proj);
    register_module("self_attn.o_proj", o_proj);
    if (c.qk_norm) {
      q_norm = std::make_unique<RMSNorm>(c.head_dim, c.rms_norm_eps);
      k_norm = std::make_unique<RMSNorm>(c.head_dim, c.rms_norm_eps);
      register_module("self_attn.q_norm", *q_norm);
      register_module("self_attn.k_norm", *k_norm);
    }
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("mlp.gate_proj", gate_proj);
    register_module("mlp.up_proj", up_proj);
    register_module("mlp.down_proj", down_proj);
    // q|k|v and gate|up run as one GEMM each (weights read in place, stacked by rows).
    q_proj.prepare_on_load = k_proj.prepare_on_load = v_proj.prepare_on_load = false;
    gate_proj.prepare_on_load = up_proj.prepare_on_load = false;
    options_.sliding_window = c.sliding_window;
  }

  void on_loaded() override {
    // Quantized projections run each on its own (their kernels read the quantized weight):
    // no fused f32 weight is made from them.
    qkv_ = ops::LinearWeight();
    gate_up_ = ops::LinearWeight();
    if (!q_proj.quantized && !k_proj.quantized && !v_proj.quantized) {
      qkv_ = ops::LinearWeight(std::vector<Tensor>{q_proj.weight, k_proj.weight, v_proj.weight});
      qkv_bias_ = q_proj.bias.defined() ? stack_rows({q_proj.bias, k_proj.bias, v_proj.bias}) : Tensor();
    }
    if (!gate_proj.quantized && !up_proj.quantized) {
      gate_up_ = ops::LinearWeight(std::vector<Tensor>{gate_proj.weight, up_proj.weight});
      gate_up_bias_ = gate_proj.bias.defined() ? stack_rows({gate_proj.bias, up_proj.bias}) : Tensor();
    }
  }

  Tensor forward(const Tensor& x, const Tensor& mask, const Tensor& cos, const Tensor& sin,
                 KVCache* cache) const {
    const int64_t D = c_.head_dim, QW = c_.num_attention_heads * D, KW = c_.num_key_value_heads * D;
    const Tensor hn = input_layernorm.forward(x);
    Tensor q, k, v;
    // A projection with an active adapter (LoRA, src/peft) or a quantized weight runs on its
    // own, so the adapter applies and the quantized kernel reads its weight.
    if (alone(q_proj) || alone(k_proj) || alone(v_proj)) {
      q = q_proj.forward(hn), k = k_proj.forward(hn), v = v_proj.forward(hn);
    } else {
      Tensor qkv = ops::linear(hn, qkv_, qkv_bias_);
      q = qkv.slice(2, 0, QW), k = qkv.slice(2, QW, QW + KW), v = qkv.slice(2, QW + KW, QW + 2 * KW);
    }
    if (q_norm) {
      q = per_head_norm(*q_norm, q);
      k = per_head_norm(*k_norm, k);
    }
    q = ops::rotary_embedding(q, cos, sin, D);
    k = ops::rotary_embedding(k, cos, sin, D);
    if (cache) std::tie(k, v) = cache->update(layer_, k, v);
    Tensor ctx = ops::causal_attention(q, k, v, c_.num_attention_heads, c_.num_key_value_heads,
                                       mask, options_);
    Tensor h = ops::add(x, o_proj.forward(ctx));
    const Tensor hn2 = post_attention_layernorm.forward(h);
    if (alone(gate_proj) || alone(up_proj))
      return ops::add(h, down_proj.forward(ops::mul(ops::activation(gate_proj.forward(hn2), c_.activation),
                                                    up_proj.forward(hn2))));
    Tensor gu = ops::linear(hn2, gate_up_, gate_up_bias_);
    return ops::add(h, down_proj.forward(ops::gated_activation(gu, c_.activation)));
  }

  RMSNorm input_layernorm;
  nn::Linear q_proj, k_proj, v_proj, o_proj;
  std::unique_ptr<RMSNorm> q_norm, k_norm;
  RMSNorm post_attention_layernorm;
  nn::Linear gate_proj, up_proj, down_proj;

 private:
  static bool alone(const nn::Linear& l) { return (l.adapter && l.adapter->active()) || l.quantized; }
  // RMSNorm over each head_dim slice of x [B, S, heads * head_dim].
  Tensor per_head_norm(const RMSNorm& norm, const Tensor& x) const {
    const int64_t B = x.size(0), S = x.size(1), W = x.size(2);
    return norm.forward(x.contiguous().reshape({B, S, W / c_.head_dim, c_.head_dim})).reshape({B, S, W});
  }
  const LlamaConfig& c_;
  int64_t layer_;
  ops::CausalAttentionOptions options_;
  ops::LinearWeight qkv_, gate_up_;
  Tensor qkv_bias_, gate_up_bias_;
};

DecoderShape llama_shape(const LlamaConfig& c) {
  return {c.num_hidden_layers, c.num_key_value_heads * c.head_dim, c.max_position_embeddings,
          /*hard_position_limit=*/false, c.vocab_size};
}

std::string class_for(const std::string& model_type) {
  if (model_type == "mistral") return "MistralForCausalLM";
  if (model_type == "qwen2") return "Qwen2ForCausalLM";
  if (model_type == "qwen3") return "Qwen3ForCausalLM";
  return "LlamaForCausalLM";
}

class LlamaForCausalLM : public DecoderLM {
 public:
  explicit LlamaForCausalLM(std::shared_ptr<const ModelConfig> config)
      : DecoderLM(config, class_for(config->model_type), "model",
                  llama_shape(static_cast<const LlamaConfig&>(*config))),
        c_(static_cast<const LlamaConfig&>(*config)), embed_tokens(c_.vocab_size, c_.hidden_size),
        norm(c_.hidden_size, c_.rms_norm_eps),
        rope_(c_.rope, c_.head_dim, c_.max_position_embeddings) {
    register_module("model.embed_tokens", embed_tokens);
    for (int64_t i = 0; i < c_.num_hidden_layers; ++i) {
      layers.push_back(std::make_unique<LlamaLayer>(c_, i));
      register_module("model.layers." + std::to_string(i), *layers.back());
    }
    register_module("model.norm", norm);
    register_parameter("lm_head.weight", lm_head_weight, {c_.vocab_size, c_.hidden_size});
    if (c_.tie_word_embeddings) tied_["lm_head.weight"] = "model.embed_tokens.weight";
    // Older checkpoints saved the rotary inv_freq buffer; transformers recomputes it.
    ignored_key_suffixes_ = {".rotary_emb.inv_freq"};
    other_head_prefixes_ = {"score."};
  }

  void on_loaded() override { head_ = ops::LinearWeight(lm_head_weight); }

 protected:
  Tensor decode(const Tensor& ids, const Tensor& mask, const Tensor& positions, KVCache* cache,
                std::vector<Tensor>* hidden) const override {
    Tensor h = embed_tokens.forward(ids);
    if (hidden) hidden->push_back(h);
    auto [cos, sin] = rope_.cos_sin(positions);
    for (size_t i = 0; i < layers.size(); ++i) {
      h = layers[i]->forward(h, mask, cos, sin, cache);
      if (hidden && i + 1 < layers.size()) hidden->push_back(h);
    }
    h = norm.forward(h);
    if (hidden) hidden->push_back(h);
    return h;
  }
  Tensor lm_head(const Tensor& h) const override { return ops::linear(h, head_); }

 private:
  const LlamaConfig& c_;
  nn::Embedding embed_tokens;
  std::vector<std::unique_ptr<LlamaLayer>> layers;
  RMSNorm norm;
  Tensor lm_head_weight;
  ops::LinearWeight head_;
  RotaryEmbedding rope_;
};

std::unique_ptr<PreTrainedModel> create_llama(std::shared_ptr<const ModelConfig> config, ModelTask task) {
  if (task == ModelTask::CausalLM) return std::make_unique<LlamaForCausalLM>(config);
  return nullptr;  // no such head here (load_model says so)
}

}  // namespace

ModelFamily llama_family() {
  return {
      {"llama", "mistral", "qwen2", "qwen3"},
      [](const ConfigReader& r) -> std::shared_ptr<ModelConfig> { return read_llama_config(r); },
      create_llama,
      {{"LlamaForCausalLM", ModelTask::CausalLM},
       {"MistralForCausalLM", ModelTask::CausalLM},
       {"Qwen2ForCausalLM", ModelTask::CausalLM},
       {"Qwen3ForCausalLM", ModelTask::CausalLM}},
  };
}

}  // namespace cuddle::models
