// Initial LoRA weights as peft's init_lora_weights asks (numbers from cuddle::manual_seed's
// sequence; the distributions are torch's, the draws are not).
#pragma once
#include "cuddle/peft.h"
#include "peft/lora_linear.h"

namespace cuddle::peft {

// A [r, in] and B [out, r]: "true" kaiming-uniform A (a = sqrt(5): bound 1/sqrt(in)), zero
// B; "gaussian" A normal with std 1/r, zero B; "false" nn.Linear's own init for both.
LoraWeights init_lora_weights(const std::string& mode, int64_t r, int64_t in, int64_t out);

}  // namespace cuddle::peft
