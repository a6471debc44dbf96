#include "generation/prompt_batch.h"

#include <algorithm>

#include "cuddle/error.h"

namespace cuddle::generation {

namespace {

int64_t new_token_budget(const GenerationConfig& config, int64_t prompt_len) {
  if (config.max_new_tokens) return *config.max_new_tokens;
  if (config.max_length <= prompt_len)
    throw Error("generation: the prompt has " + std::to_string(prompt_len) +
                " tokens, max_length is " + std::to_string(config.max_length) +
                " (set max_new_tokens, or a larger max_length)");
  return config.max_length - prompt_len;
}

}  // namespace

PromptBatch pad_prompts(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerationConfig& config) {
  if (prompts.empty()) throw Error("generation: no prompts");
  PromptBatch b;
  b.rows = int64_t(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw Error("generation: prompt " + std::to_string(i + 1) + " has no tokens");
    for (int64_t t : prompts[i])
      if (t < 0 || t >= model.vocab_size())
        throw Error("generation: prompt " + std::to_string(i + 1) + " has token id " + std::to_string(t) +
                    " outside the vocabulary of " + std::to_string(model.vocab_size()));
    b.length = std::max<int64_t>(b.length, int64_t(prompts[i].size()));
  }
  const int64_t B = b.rows, P = b.length;
  b.budget = new_token_budget(config, P);
  if (model.positions_are_hard_limit() && P + b.budget > model.max_positions())
    throw Error("generation: a prompt of " + std::to_string(P) + " tokens plus " + std::to_string(b.budget) +
                " new tokens exceeds the model's " + std::to_string(model.max_positions()) + " positions");
  b.pad = config.pad_token_id ? *config.pad_token_id : config.eos_token_ids.empty() ? 0 : config.eos_token_ids[0];
  b.ids = Tensor::empty({B, P}, DType::I64);
  b.positions = Tensor::empty({B, P}, DType::I64);
  b.mask.assign(size_t(B * P), 1);
  b.tokens.resize(prompts.size());
  for (int64_t r = 0; r < B; ++r) {
    const auto& p = prompts[size_t(r)];
    const int64_t lead = P - int64_t(p.size());
    b.padded = b.padded || lead > 0;
    for (int64_t s = 0; s < P; ++s) {
      const bool real = s >= lead;
      b.ids.data<int64_t>()[r * P + s] = real ? p[size_t(s - lead)] : b.pad;
      b.positions.data<int64_t>()[r * P + s] = real ? s - lead : 1;
      b.mask[size_t(r * P + s)] = real;
      b.tokens[size_t(r)].push_back(b.ids.data<int64_t>()[r * P + s]);
    }
    b.last_position.push_back(int64_t(p.size()) - 1);
  }
  return b;
}

Tensor step_mask(const PromptBatch& batch, int64_t cache_length) {
  if (!batch.padded) return {};
  const int64_t B = batch.rows, P = batch.length, L = cache_length + 1;
  Tensor m = Tensor::empty({B, L}, DType::I64);
  for (int64_t r = 0; r < B; ++r)
    for (int64_t s = 0; s < L; ++s) m.data<int64_t>()[r * L + s] = s < P ? batch.mask[size_t(r * P + s)] : 1;
  return m;
}

Tensor step_positions(PromptBatch& batch) {
  Tensor pos = Tensor::empty({batch.rows, 1}, DType::I64);
  for (int64_t r = 0; r < batch.rows; ++r) pos.data<int64_t>()[r] = ++batch.last_position[size_t(r)];
  return pos;
}

}  // namespace cuddle::generation
