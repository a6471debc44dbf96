// Checks and output geometry shared by the sliding-window ops (conv2d, max_pool2d).
#pragma once
#include <array>
#include <string_view>

#include "cuddle/tensor.h"
#include "kernels/cpu/spatial.h"

namespace cuddle::ops::detail {

// The window of `op` over x [B, C, H, W] (already checked to be 4-D) with torch's floor
// output size. Throws ShapeError naming the op and the argument when a kernel, stride or
// dilation is not positive, padding is negative, or the output would be empty.
kernels::Window2d window2d(std::string_view op, const Tensor& x, std::array<int64_t, 2> kernel,
                           std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                           std::array<int64_t, 2> dilation);

}  // namespace cuddle::ops::detail
