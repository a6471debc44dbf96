#include <cmath>
#include <limits>

#include "kernels/cpu/spatial.h"

namespace cuddle::kernels {

int64_t max_pool_argmax(const float* plane, const Window2d& s, int64_t oh, int64_t ow) {
  float m = -std::numeric_limits<float>::infinity();
  int64_t at = -1;
  for (int64_t i = 0; i < s.kh; ++i) {
    const int64_t ih = oh * s.stride_h - s.pad_h + i * s.dil_h;
    if (ih < 0 || ih >= s.H) continue;
    for (int64_t j = 0; j < s.kw; ++j) {
      const int64_t iw = ow * s.stride_w - s.pad_w + j * s.dil_w;
      if (iw < 0 || iw >= s.W) continue;
      const float v = plane[ih * s.W + iw];
      if (at < 0 || v > m || std::isnan(v)) {
        m = v;
        at = ih * s.W + iw;
      }
    }
  }
  return at;
}

void max_pool2d(const float* x, const Window2d& s, float* y) {
  const int64_t planes = s.B * s.C;
#pragma omp parallel for schedule(static) if (planes * s.OH * s.OW > 32768)
  for (int64_t bc = 0; bc < planes; ++bc) {
    const float* in = x + bc * s.H * s.W;
    float* out = y + bc * s.OH * s.OW;
    for (int64_t oh = 0; oh < s.OH; ++oh)
      for (int64_t ow = 0; ow < s.OW; ++ow) {
        const int64_t at = max_pool_argmax(in, s, oh, ow);
        out[oh * s.OW + ow] = at < 0 ? -std::numeric_limits<float>::infinity() : in[at];
      }
  }
}

void adaptive_avg_pool2d(const float* x, int64_t B, int64_t C, int64_t H, int64_t W, int64_t OH,
                         int64_t OW, float* y) {
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
  for (int64_t bc = 0; bc < B * C; ++bc) {
    const float* in = x + bc * H * W;
    float* out = y + bc * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        // Summed in float and divided by the window's height then width, as torch does.
        float sum = 0.0f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum += in[ih * W + iw];
        out[oh * OW + ow] = sum / static_cast<float>(h1 - h0) / static_cast<float>(w1 - w0);
      }
    }
  }
}

}  // namespace cuddle::kernels
