// Bicubic resize with the arithmetic of torch's CPU upsample_bicubic2d (align_corners=False):
// float scale in / out, source coordinate (dst + 0.5) * scale - 0.5, its floor clamped to
// the last index, the fraction clamped to [0, 1], four taps per axis clamped to the image,
// rows interpolated first and then combined along the height, each sum taken left to right.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cuddle/ops.h"
#include "ops/checks.h"

namespace cuddle::ops {

namespace {

constexpr float kCubicA = -0.75f;  // torch's choice (Keys' kernel parameter)

// Tap indices and weights along one axis for every output position.
struct AxisTaps {
  std::vector<int64_t> index;  // 4 per output position
  std::vector<float> weight;   // 4 per output position
};

AxisTaps axis_taps(int64_t in, int64_t out) {
  AxisTaps t;
  t.index.resize(4 * out);
  t.weight.resize(4 * out);
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int64_t d = 0; d < out; ++d) {
    const float real = scale * (static_cast<float>(d) + 0.5f) - 0.5f;
    const int64_t base = std::min(static_cast<int64_t>(std::floor(real)), in - 1);
    const float f = std::min(std::max(real - static_cast<float>(base), 0.0f), 1.0f);
    // Keys' kernel: |x| <= 1 and 1 < |x| < 2 pieces, at distances 1+f, f, 1-f, 2-f.
    auto near = [](float x) { return ((kCubicA + 2) * x - (kCubicA + 3)) * x * x + 1; };
    auto far = [](float x) { return ((kCubicA * x - 5 * kCubicA) * x + 8 * kCubicA) * x - 4 * kCubicA; };
    const float g = 1.0f - f;  // rounded once, as torch computes it
    const float w[4] = {far(f + 1.0f), near(f), near(g), far(g + 1.0f)};
    for (int k = 0; k < 4; ++k) {
      t.index[4 * d + k] = std::clamp<int64_t>(base - 1 + k, 0, in - 1);
      t.weight[4 * d + k] = w[k];
    }
  }
  return t;
}

}  // namespace

Tensor interpolate_bicubic(const Tensor& x_in, int64_t out_h, int64_t out_w) {
  Tensor x = detail::float_input(x_in, "interpolate_bicubic", "x");
  if (x.dim() < 2)
    detail::fail("interpolate_bicubic", "x must be [..., H, W], got " + x.describe());
  if (out_h <= 0 || out_w <= 0)
    detail::fail("interpolate_bicubic", "output size " + std::to_string(out_h) + "x" +
                                            std::to_string(out_w) + " must be positive");
  const int64_t H = x.size(-2), W = x.size(-1), planes = x.numel() / (H * W);
  Shape shape = x.shape();
  shape[shape.size() - 2] = out_h;
  shape[shape.size() - 1] = out_w;
  Tensor out = Tensor::empty(shape);
  const AxisTaps ty = axis_taps(H, out_h), tx = axis_taps(W, out_w);
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  for (int64_t n = 0; n < planes; ++n) {
    const float* plane = src + n * H * W;
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox) {
        float acc = 0;
        for (int ky = 0; ky < 4; ++ky) {
          const float* row = plane + ty.index[4 * oy + ky] * W;
          float r = 0;
          for (int kx = 0; kx < 4; ++kx) r += row[tx.index[4 * ox + kx]] * tx.weight[4 * ox + kx];
          acc += r * ty.weight[4 * oy + ky];
        }
        *dst++ = acc;
      }
  }
  return out;
}

}  // namespace cuddle::ops
