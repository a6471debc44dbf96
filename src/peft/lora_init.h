// Initial LoRA weights as peft's reset_lora_parameters draws them (numbers from
// cuddle::manual_seed's sequence; the distributions are torch's, the draws are not).
#pragma once
#include "peft/lora_layer.h"

namespace cuddle::peft {

// Linear and Conv2d (A [r, fan_in...], B [out, r, ...]): "true" kaiming-uniform A (a =
// sqrt(5): bound 1/sqrt(fan_in), fan_in = A's elements per row), zero B; "gaussian" A
// normal with std 1/r, zero B; "false" the torch layer's own init for both.
LoraWeights init_lora_module(const std::string& mode, const Shape& a, const Shape& b);
// Embedding (A [r, num_embeddings], B [embedding_dim, r], the roles swapped): "true" and
// "gaussian" zero A and standard-normal B; "false" both standard normal (torch.randn).
LoraWeights init_lora_embedding(const std::string& mode, const Shape& a, const Shape& b);

}  // namespace cuddle::peft
