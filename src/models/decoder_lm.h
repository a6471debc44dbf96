// What every decoder-only *ForCausalLM model shares: input checks, default positions, the
// last-position shortcut, the model-level forward (logits and hidden states) and the
// CausalLM interface. A family supplies the decoder body and the LM head.
#pragma once
#include <vector>

#include "cuddle/causal_lm.h"
#include "cuddle/models.h"

namespace cuddle::models {

struct DecoderShape {
  int64_t layers = 0;
  int64_t kv_width = 0;        // key/value heads x head_dim: one cache row per layer
  int64_t max_positions = 0;
  bool hard_position_limit = false;  // learned position embeddings (GPT-2)
  int64_t vocab_size = 0;
};

class DecoderLM : public PreTrainedModel, public CausalLM {
 public:
  ModelOutputs forward(const ModelInputs& inputs, bool output_hidden_states = true) const override;
  Tensor forward_tokens(const Tensor& input_ids, const Tensor& attention_mask,
                        const Tensor& position_ids, KVCache* cache,
                        bool last_only = false) const override;
  KVCache make_cache(int64_t batch, KVCache::Kind kind, int64_t capacity) const override;
  int64_t max_positions() const override { return shape_.max_positions; }
  bool positions_are_hard_limit() const override { return shape_.hard_position_limit; }
  int64_t vocab_size() const override { return shape_.vocab_size; }

 protected:
  DecoderLM(std::shared_ptr<const ModelConfig> config, std::string class_name,
            std::string base_prefix, DecoderShape shape)
      : PreTrainedModel(std::move(config), std::move(class_name), ModelTask::CausalLM,
                        std::move(base_prefix)),
        shape_(shape) {}
  // The decoder from token ids to the final normalised hidden states [B, S, hidden].
  // ids [B, S] i64; mask [B, past + S] i64 or undefined; positions [B, S] i64; `hidden`
  // (when not null) receives transformers' hidden_states tuple (embeddings, then each
  // layer's output, the last one after the final norm).
  virtual Tensor decode(const Tensor& ids, const Tensor& mask, const Tensor& positions,
                        KVCache* cache, std::vector<Tensor>* hidden) const = 0;
  virtual Tensor lm_head(const Tensor& hidden) const = 0;

 private:
  DecoderShape shape_;
};

}  // namespace cuddle::models
