// One softmax row, shared by the softmax and attention kernels.
#pragma once
#include <cstdint>

namespace cuddle::kernels {

// x[j] = softmax(x + bias)[j] over n elements; bias may be null. Max-subtracted as torch,
// so a bias of the float minimum gives exactly zero weight whenever any entry is unmasked.
void softmax_row(float* x, const float* bias, int64_t n);

// The attention weights of one (batch b, head h) pair into p [Sq, Sk]: scale * Q K^T plus the
// key mask, softmaxed per query row; with `causal`, keys after the query get exactly zero.
// Shared by the attention kernel and its backward, which recomputes them.
struct AttentionShape;
void attention_probs(const float* q, const float* k, const AttentionShape& shape, int64_t b, int64_t h,
                     float scale, const float* key_bias, bool causal, float* p);

}  // namespace cuddle::kernels
