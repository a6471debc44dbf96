#include "models/gpt2/gpt2_model.h"

#include <cmath>

#include "cuddle/ops.h"
#include "nn/quantized_linear_grad.h"

namespace cuddle::models {

Conv1D::Conv1D(int64_t in_features, int64_t out_features) {
  register_parameter("weight", weight, {in_features, out_features});
  register_parameter("bias", bias, {out_features});
}

Tensor Conv1D::forward(const Tensor& x, Activation act) const {
  // A trainable weight is read through a transposed view (gradients reach it, optimizer
  // updates are seen); a frozen one through the pre-transposed copy made at load.
  auto base = [&](Activation a) {
    if (quantized) return nn::quantized_linear_with_grad(quantized, x, bias, a);
    return gemm_weight_.empty() ? ops::linear(x, weight.transpose(0, 1), bias, a) : ops::linear(x, gemm_weight_, bias, a);
  };
  if (!nn::adapter_active(adapter)) return base(act);
  return nn::add_adapter(*adapter, x, base(Activation::Identity), act);
}

void Conv1D::on_loaded() {
  if (quantized || weight.requires_grad()) {
    gemm_weight_ = ops::LinearWeight();
    return;
  }
  gemm_weight_ = ops::LinearWeight(weight.transpose(0, 1).contiguous());
}

namespace {

class GPT2Block : public nn::Module {
 public:
  GPT2Block(const GPT2Config& c, int64_t index)
      : ln_1(c.n_embd, float(c.layer_norm_epsilon)), c_attn(c.n_embd, 3 * c.n_embd),
        attn_proj(c.n_embd, c.n_embd), ln_2(c.n_embd, float(c.layer_norm_epsilon)),
        c_fc(c.n_embd, c.n_inner), mlp_proj(c.n_inner, c.n_embd), resid_dropout(float(c.resid_pdrop)),
        heads_(c.n_head),
        layer_(index), act_(c.activation) {
    register_module("ln_1", ln_1);
    register_module("attn.c_attn", c_attn);
    register_module("attn.c_proj", attn_proj);
    register_module("resid_dropout", resid_dropout);
    register_module("ln_2", ln_2);
    register_module("mlp.c_fc", c_fc);
    register_module("mlp.c_proj", mlp_proj);
    const int64_t head_dim = c.n_embd / c.n_head;
    float scale = c.scale_attn_weights ? 1.0f / std::sqrt(float(head_dim)) : 1.0f;
    if (c.scale_attn_by_inverse_layer_idx) scale /= float(index + 1);
    options_.scale = scale;
  }

  Tensor forward(const Tensor& x, const Tensor& mask, KVCache* cache) const {
    const int64_t W = x.size(2);
    Tensor qkv = c_attn.forward(ln_1.forward(x));
    Tensor k = qkv.slice(2, W, 2 * W), v = qkv.slice(2, 2 * W, 3 * W);
    if (cache) std::tie(k, v) = cache->update(layer_, k, v);
    Tensor ctx = ops::causal_attention(qkv.slice(2, 0, W), k, v, heads_, heads_, mask, options_);
    Tensor h = ops::add(x, resid_dropout.forward(attn_proj.forward(ctx)));
    return ops::add(h, resid_dropout.forward(mlp_proj.forward(c_fc.forward(ln_2.forward(h), act_))));
  }

  nn::LayerNorm ln_1;
  Conv1D c_attn, attn_proj;
  nn::LayerNorm ln_2;
  Conv1D c_fc, mlp_proj;
  nn::Dropout resid_dropout;

 private:
  int64_t heads_, layer_;
  Activation act_;
  ops::CausalAttentionOptions options_;
};

DecoderShape gpt2_shape(const GPT2Config& c) {
  return {c.n_layer, c.n_embd, c.n_positions, /*hard_position_limit=*/true, c.vocab_size};
}

class GPT2LMHeadModel : public DecoderLM {
 public:
  explicit GPT2LMHeadModel(std::shared_ptr<const ModelConfig> config)
      : DecoderLM(config, "GPT2LMHeadModel", "transformer",
                  gpt2_shape(static_cast<const GPT2Config&>(*config))),
        c_(static_cast<const GPT2Config&>(*config)), wte(c_.vocab_size, c_.n_embd),
        wpe(c_.n_positions, c_.n_embd), embd_dropout(float(c_.embd_pdrop)),
        ln_f(c_.n_embd, float(c_.layer_norm_epsilon)) {
    register_module("transformer.wte", wte);
    register_module("transformer.wpe", wpe);
    register_module("transformer.drop", embd_dropout);
    for (int64_t i = 0; i < c_.n_layer; ++i) {
      blocks.push_back(std::make_unique<GPT2Block>(c_, i));
      register_module("transformer.h." + std::to_string(i), *blocks.back());
    }
    register_module("transformer.ln_f", ln_f);
    register_parameter("lm_head.weight", lm_head_weight, {c_.vocab_size, c_.n_embd});
    // GPT-2 always ties its head to the token embeddings (transformers' _tied_weights_keys).
    tied_["lm_head.weight"] = "transformer.wte.weight";
    // Causal-mask buffers that older checkpoints saved; transformers rebuilds them.
    ignored_key_suffixes_ = {".attn.bias", ".attn.masked_bias"};
    other_head_prefixes_ = {"multiple_choice_head.", "score."};
  }

  void on_loaded() override { head_ = ops::LinearWeight(lm_head_weight); }

 protected:
  Tensor decode(const Tensor& ids, const Tensor& mask, const Tensor& positions, KVCache* cache,
                std::vector<Tensor>* hidden) const override {
    Tensor h = embd_dropout.forward(ops::add(wte.forward(ids), wpe.forward(positions)));
    if (hidden) hidden->push_back(h);
    for (size_t i = 0; i < blocks.size(); ++i) {
      h = blocks[i]->forward(h, mask, cache);
      if (hidden && i + 1 < blocks.size()) hidden->push_back(h);
    }
    h = ln_f.forward(h);
    if (hidden) hidden->push_back(h);
    return h;
  }
  Tensor lm_head(const Tensor& h) const override { return ops::linear(h, head_); }

 private:
  const GPT2Config& c_;
  nn::Embedding wte, wpe;
  nn::Dropout embd_dropout;
  std::vector<std::unique_ptr<GPT2Block>> blocks;
  nn::LayerNorm ln_f;
  Tensor lm_head_weight;
  ops::LinearWeight head_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> create_gpt2(std::shared_ptr<const ModelConfig> config, ModelTask task) {
  if (task == ModelTask::CausalLM) return std::make_unique<GPT2LMHeadModel>(config);
  return nullptr;  // no such head here (load_model says so)
}

}  // namespace cuddle::models
