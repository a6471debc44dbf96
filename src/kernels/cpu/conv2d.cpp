#include <algorithm>
#include <memory>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/spatial.h"

namespace cuddle::kernels {

void im2col(const float* x, int64_t channels, const Window2d& s, float* col) {
  const int64_t rows = channels * s.kh * s.kw, P = s.OH * s.OW;
#pragma omp parallel for schedule(static) if (rows * P > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r / (s.kh * s.kw), i = (r / s.kw) % s.kh, j = r % s.kw;
    const float* plane = x + c * s.H * s.W;
    float* out = col + r * P;
    for (int64_t oh = 0; oh < s.OH; ++oh) {
      const int64_t ih = oh * s.stride_h - s.pad_h + i * s.dil_h;
      float* orow = out + oh * s.OW;
      if (ih < 0 || ih >= s.H) {
        std::fill(orow, orow + s.OW, 0.0f);
        continue;
      }
      const float* irow = plane + ih * s.W;
      for (int64_t ow = 0; ow < s.OW; ++ow) {
        const int64_t iw = ow * s.stride_w - s.pad_w + j * s.dil_w;
        orow[ow] = iw >= 0 && iw < s.W ? irow[iw] : 0.0f;
      }
    }
  }
}

void conv2d(const float* x, const Window2d& s, const float* w, int64_t out_channels,
            int64_t groups, const float* bias, Activation act, float* y) {
  const int64_t Cg = s.C / groups, Og = out_channels / groups;
  const int64_t K = Cg * s.kh * s.kw, P = s.OH * s.OW;
  const bool pointwise = s.kh == 1 && s.kw == 1 && s.stride_h == 1 && s.stride_w == 1 &&
                         s.pad_h == 0 && s.pad_w == 0;
  std::unique_ptr<float[]> col(pointwise ? nullptr : new float[K * P]);
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      const float* xg = x + (b * s.C + g * Cg) * s.H * s.W;
      if (!pointwise) im2col(xg, Cg, s, col.get());
      gemm(Og, P, K, 1.0f, w + g * Og * K, K, pointwise ? xg : col.get(), P, false, 0.0f,
           y + (b * out_channels + g * Og) * P, P);
    }
  if (!bias && act == Activation::Identity) return;
  const int64_t planes = s.B * out_channels;
#pragma omp parallel for schedule(static) if (planes * P > 32768)
  for (int64_t bo = 0; bo < planes; ++bo) {
    float* plane = y + bo * P;
    if (bias) {
      const float v = bias[bo % out_channels];
      for (int64_t p = 0; p < P; ++p) plane[p] += v;
    }
    activation(act, plane, P);
  }
}

void channel_affine(const float* x, int64_t B, int64_t C, int64_t plane, const float* scale,
                    const float* shift, float* y) {
#pragma omp parallel for schedule(static) if (B * C * plane > 32768)
  for (int64_t bc = 0; bc < B * C; ++bc) {
    const float a = scale[bc % C], t = shift[bc % C];
    const float* in = x + bc * plane;
    float* out = y + bc * plane;
    for (int64_t i = 0; i < plane; ++i) out[i] = in[i] * a + t;
  }
}

}  // namespace cuddle::kernels
