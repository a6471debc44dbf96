#include "models/decoder_lm.h"

#include "cuddle/error.h"

namespace cuddle::models {

namespace {
Tensor as_i64(const Tensor& t, const char* what, const std::string& model) {
  switch (t.dtype()) {
    case DType::I64: return t.is_contiguous() ? t : t.contiguous();
    case DType::I32: case DType::I16: case DType::I8: case DType::U8: case DType::Bool:
      return t.to(DType::I64);
    default:
      throw ShapeError(model + ": " + what + " must be an integer tensor, got " + t.describe());
  }
}
}  // namespace

Tensor DecoderLM::forward_tokens(const Tensor& input_ids, const Tensor& attention_mask,
                                 const Tensor& position_ids, KVCache* cache, bool last_only) const {
  const std::string& name = class_name();
  if (!input_ids.defined() || input_ids.dim() != 2)
    throw ShapeError(name + ": input_ids must be [batch, sequence], got " +
                     (input_ids.defined() ? input_ids.describe() : std::string("nothing")));
  const Tensor ids = as_i64(input_ids, "input_ids", name);
  const int64_t B = ids.size(0), S = ids.size(1);
  const int64_t past = cache ? cache->length() : 0;
  if (cache && cache->batch() != B)
    throw ShapeError(name + ": the cache holds " + std::to_string(cache->batch()) +
                     " sequences, input_ids " + ids.describe());
  Tensor mask;
  if (attention_mask.defined()) {
    mask = as_i64(attention_mask, "attention_mask", name);
    if (mask.shape() != Shape{B, past + S})
      throw ShapeError(name + ": attention_mask " + mask.describe() + " must be [" +
                       std::to_string(B) + ", " + std::to_string(past + S) +
                       "] (cached and new positions)");
  }
  Tensor pos;
  if (position_ids.defined()) {
    pos = as_i64(position_ids, "position_ids", name);
    if (pos.shape() != Shape{B, S})
      throw ShapeError(name + ": position_ids " + pos.describe() + " must be [" +
                       std::to_string(B) + ", " + std::to_string(S) + "]");
  } else {
    pos = Tensor::empty({B, S}, DType::I64);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t s = 0; s < S; ++s) pos.data<int64_t>()[b * S + s] = past + s;
  }
  if (shape_.hard_position_limit) {
    const int64_t* p = pos.data<int64_t>();
    for (int64_t i = 0; i < pos.numel(); ++i)
      if (p[i] < 0 || p[i] >= shape_.max_positions)
        throw ShapeError(name + ": position " + std::to_string(p[i]) + " is outside the " +
                         std::to_string(shape_.max_positions) +
                         " positions the model has (the input is longer than its context)");
  }
  Tensor hidden = decode(ids, mask, pos, cache, nullptr);
  if (last_only) hidden = hidden.slice(1, S - 1, S).contiguous();
  return lm_head(hidden);
}

ModelOutputs DecoderLM::forward(const ModelInputs& inputs, bool output_hidden_states) const {
  if (!inputs.input_ids.defined() || inputs.input_ids.dim() != 2)
    throw ShapeError(class_name() + ": input_ids must be [batch, sequence]");
  std::vector<Tensor> hidden_states;
  const Tensor ids = as_i64(inputs.input_ids, "input_ids", class_name());
  Tensor mask = inputs.attention_mask.defined()
                    ? as_i64(inputs.attention_mask, "attention_mask", class_name())
                    : Tensor();
  if (mask.defined() && mask.shape() != ids.shape())
    throw ShapeError(class_name() + ": attention_mask " + mask.describe() + " must match input_ids " +
                     ids.describe());
  // transformers' forward without position_ids numbers positions 0 .. S-1 whatever the mask.
  Tensor pos = Tensor::empty(ids.shape(), DType::I64);
  for (int64_t b = 0; b < ids.size(0); ++b)
    for (int64_t s = 0; s < ids.size(1); ++s) pos.data<int64_t>()[b * ids.size(1) + s] = s;
  if (shape_.hard_position_limit && ids.size(1) > shape_.max_positions)
    throw ShapeError(class_name() + ": " + std::to_string(ids.size(1)) +
                     " tokens exceed the model's " + std::to_string(shape_.max_positions) +
                     " positions");
  Tensor last = decode(ids, mask, pos, nullptr, output_hidden_states ? &hidden_states : nullptr);
  ModelOutputs out;
  out.tensors.emplace_back("logits", lm_head(last));
  if (output_hidden_states) out.add_hidden_states(hidden_states);
  return out;
}

KVCache DecoderLM::make_cache(int64_t batch, KVCache::Kind kind, int64_t capacity) const {
  return KVCache(shape_.layers, batch, shape_.kv_width, kind, capacity);
}

}  // namespace cuddle::models
