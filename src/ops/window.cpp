#include "ops/window.h"

#include <string>

#include "ops/checks.h"

namespace cuddle::ops::detail {

namespace {
std::string pair_str(std::array<int64_t, 2> v) {
  // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "(" + to_string(..).
  std::string s = "(";
  s += std::to_string(v[0]);
  s += ", ";
  s += std::to_string(v[1]);
  s += ")";
  return s;
}
}  // namespace

kernels::Window2d window2d(std::string_view op, const Tensor& x, std::array<int64_t, 2> kernel,
                           std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                           std::array<int64_t, 2> dilation) {
  for (int d = 0; d < 2; ++d) {
    if (kernel[d] < 1) fail(op, "kernel size " + pair_str(kernel) + " must be positive");
    if (stride[d] < 1) fail(op, "stride " + pair_str(stride) + " must be positive");
    if (dilation[d] < 1) fail(op, "dilation " + pair_str(dilation) + " must be positive");
    if (padding[d] < 0) fail(op, "padding " + pair_str(padding) + " must not be negative");
  }
  kernels::Window2d s{x.size(0), x.size(1), x.size(2), x.size(3), kernel[0], kernel[1],
                      stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1],
                      0, 0};
  const int64_t span_h = dilation[0] * (kernel[0] - 1) + 1, span_w = dilation[1] * (kernel[1] - 1) + 1;
  const int64_t in_h = s.H + 2 * s.pad_h, in_w = s.W + 2 * s.pad_w;
  if (in_h < span_h || in_w < span_w)
    fail(op, "input " + x.describe() + " with padding " + pair_str(padding) +
                 " is smaller than the window " + pair_str({span_h, span_w}));
  s.OH = (in_h - span_h) / s.stride_h + 1;
  s.OW = (in_w - span_w) / s.stride_w + 1;
  return s;
}

}  // namespace cuddle::ops::detail
