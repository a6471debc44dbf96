// transformers' GenerationMixin._beam_search (generate() with num_beams > 1).
#pragma once
#include <vector>

#include "cuddle/generation.h"

namespace cuddle::generation {

GenerateOutput beam_search(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                           const GenerationConfig& config);

}  // namespace cuddle::generation
