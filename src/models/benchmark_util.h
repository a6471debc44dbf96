// Pieces shared by the model benchmark (benchmark.cpp) and the training benchmark
// (src/training/train_benchmark.cpp).
#pragma once
#include <cstdint>

#include "cuddle/models.h"

namespace cuddle::bench {

double now_ms();
// Multiply-adds (x2) of one forward pass over a sequence of `seq` tokens or patches.
double flops_per_sequence(PreTrainedModel& model, int64_t seq);
// Deterministic token ids spread over the vocabulary (no padding).
Tensor synthetic_ids(int64_t batch, int64_t seq, int64_t vocab);
// The process's peak resident set so far, in MB.
double peak_rss_mb();

}  // namespace cuddle::bench
