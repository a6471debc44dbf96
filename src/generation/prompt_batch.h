// The prompts of a generate() call as one left-padded batch, as transformers pads them,
// shared by the sampling / greedy loop (generate.cpp) and beam search (beam_search.cpp).
#pragma once
#include <vector>

#include "cuddle/generation.h"

namespace cuddle::generation {

struct PromptBatch {
  int64_t rows = 0, length = 0;  // B, P (the longest prompt)
  int64_t budget = 0;            // new tokens to generate at most
  int64_t pad = 0;               // the id padding and finished sequences get
  bool padded = false;           // some prompt is shorter than P
  Tensor ids, positions;         // [B, P]: left-padded ids; positions counting real tokens
  std::vector<int64_t> mask;     // [B * P]: 1 for a real token
  std::vector<std::vector<int64_t>> tokens;  // per row the padded ids: what the processors see
  std::vector<int64_t> last_position;        // per row, the position of its last token
};

// Checks the prompts (non-empty, ids inside the vocabulary, prompt plus budget inside a
// model's hard position limit) and pads them on the left; positions are cumsum(mask) - 1
// with padding at 1, as transformers' prepare_inputs_for_generation derives them.
PromptBatch pad_prompts(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerationConfig& config);

// The attention mask of the next decoding step, [B, cache_length + 1] (the prompt's padding
// masked, every generated position seen); undefined when nothing is padded.
Tensor step_mask(const PromptBatch& batch, int64_t cache_length);

// The next step's position of every row (advancing last_position).
Tensor step_positions(PromptBatch& batch);

}  // namespace cuddle::generation
