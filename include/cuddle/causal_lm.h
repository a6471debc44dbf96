// Decoder-only language models as generation sees them: a key/value cache (growing, or
// preallocated for a fixed number of positions as transformers' StaticCache) and a
// forward over new tokens that reads and extends it (docs/generation.md).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "cuddle/tensor.h"

namespace cuddle {

class PreTrainedModel;

// Keys and values of every decoder layer for B sequences: per layer two [B, capacity, W]
// buffers (W = key/value heads x head_dim) of which the first length() positions are
// filled. A Dynamic cache doubles its capacity when full; a Static one is allocated once
// and refuses to grow (transformers' DynamicCache / StaticCache).
class KVCache {
 public:
  enum class Kind { Dynamic, Static };
  KVCache() = default;
  KVCache(int64_t layers, int64_t batch, int64_t width, Kind kind, int64_t capacity);

  int64_t length() const { return length_; }
  int64_t capacity() const { return capacity_; }
  int64_t batch() const { return batch_; }
  Kind kind() const { return kind_; }

  // Stores the keys and values [B, S, W] of S new positions of `layer` after the cached
  // ones and returns views [B, length() + S, W] of all of that layer's keys and values.
  // The cache's length advances by S once the last layer has stored its positions. A
  // Static cache without room throws Error naming its capacity.
  std::pair<Tensor, Tensor> update(int64_t layer, const Tensor& k, const Tensor& v);

  // Keeps the sequences `rows` (indices into the current batch, repeats allowed) in that
  // order: beam search's reordering, or dropping finished sequences.
  void select_batch(const std::vector<int64_t>& rows);

 private:
  void grow(int64_t needed);
  std::vector<Tensor> keys_, values_;
  int64_t layers_ = 0, batch_ = 0, width_ = 0, capacity_ = 0, length_ = 0;
  Kind kind_ = Kind::Dynamic;
};

// Implemented by every *ForCausalLM model.
class CausalLM {
 public:
  virtual ~CausalLM() = default;

  // Logits [B, S, V] of the S new tokens input_ids [B, S] following what `cache` holds
  // (cache may be null: no past, nothing kept). attention_mask: [B, past + S] (1 = token,
  // 0 = padding) or undefined (all tokens). position_ids: [B, S] or undefined (past +
  // 0 .. S-1). last_only: only the last position's logits ([B, 1, V]), what a decoding
  // step needs, skipping the LM head for the others.
  virtual Tensor forward_tokens(const Tensor& input_ids, const Tensor& attention_mask,
                                const Tensor& position_ids, KVCache* cache,
                                bool last_only = false) const = 0;

  // An empty cache of this model's shape for `batch` sequences.
  virtual KVCache make_cache(int64_t batch, KVCache::Kind kind, int64_t capacity) const = 0;

  // Positions the model can address (GPT-2's n_positions, else max_position_embeddings).
  virtual int64_t max_positions() const = 0;
  // True when max_positions() is a hard limit (learned position embeddings).
  virtual bool positions_are_hard_limit() const = 0;
  virtual int64_t vocab_size() const = 0;
};

// The model as a CausalLM; throws Error naming its class when it has no language-model
// head (e.g. a BertForSequenceClassification handed to generate).
const CausalLM& as_causal_lm(const PreTrainedModel& model);

}  // namespace cuddle
