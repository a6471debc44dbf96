// One softmax row, shared by the softmax and attention kernels.
#pragma once
#include <cstdint>

namespace cuddle::kernels {

// x[j] = softmax(x + bias)[j] over n elements; bias may be null. Max-subtracted as torch,
// so a bias of the float minimum gives exactly zero weight whenever any entry is unmasked.
void softmax_row(float* x, const float* bias, int64_t n);

}  // namespace cuddle::kernels
