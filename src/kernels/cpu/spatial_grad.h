// Backward passes of the image kernels (spatial.h), for the gradient rules of src/ops/grad.
#pragma once
#include <cstdint>

#include "kernels/cpu/spatial.h"

namespace cuddle::kernels {

// Gradients of conv2d without activation: gy [B, O, OH, OW]. dx [B, C, H, W] (overwritten)
// may be null; dw [O, C/g, kh, kw] and db [O] are accumulated into (either may be null).
void conv2d_backward(const float* x, const Window2d& s, const float* w, int64_t out_channels, int64_t groups,
                     const float* gy, float* dx, float* dw, float* db);

// dx (overwritten) of max_pool2d: each output's gradient goes to the first maximum of its window.
void max_pool2d_backward(const float* x, const Window2d& s, const float* gy, float* dx);

// dx (overwritten) of adaptive_avg_pool2d: each output's gradient spread over its window.
void adaptive_avg_pool2d_backward(const float* gy, int64_t B, int64_t C, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, float* dx);

}  // namespace cuddle::kernels
