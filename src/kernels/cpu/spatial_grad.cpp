#include "kernels/cpu/spatial_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/grad_kernels.h"
#include "kernels/cpu/kernels.h"

namespace cuddle::kernels {

namespace {
// The adjoint of im2col: adds every column entry back onto the input position it came from.
void col2im_add(const float* col, int64_t channels, const Window2d& s, float* dx) {
  const int64_t P = s.OH * s.OW;
#pragma omp parallel for schedule(static) if (channels * s.H * s.W > 32768)
  for (int64_t c = 0; c < channels; ++c) {
    float* plane = dx + c * s.H * s.W;
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j) {
        const float* in = col + ((c * s.kh + i) * s.kw + j) * P;
        for (int64_t oh = 0; oh < s.OH; ++oh) {
          const int64_t ih = oh * s.stride_h - s.pad_h + i * s.dil_h;
          if (ih < 0 || ih >= s.H) continue;
          for (int64_t ow = 0; ow < s.OW; ++ow) {
            const int64_t iw = ow * s.stride_w - s.pad_w + j * s.dil_w;
            if (iw >= 0 && iw < s.W) plane[ih * s.W + iw] += in[oh * s.OW + ow];
          }
        }
      }
  }
}
}  // namespace

void conv2d_backward(const float* x, const Window2d& s, const float* w, int64_t out_channels, int64_t groups,
                     const float* gy, float* dx, float* dw, float* db) {
  const int64_t Cg = s.C / groups, Og = out_channels / groups;
  const int64_t K = Cg * s.kh * s.kw, P = s.OH * s.OW;
  std::vector<float> col(static_cast<size_t>(K * P)), dcol(dx ? static_cast<size_t>(K * P) : 0);
  if (dx) std::fill(dx, dx + s.B * s.C * s.H * s.W, 0.0f);
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      const float* gyg = gy + (b * out_channels + g * Og) * P;
      const float* wg = w + g * Og * K;
      if (dw) {
        // dW_g += gY_g [Og, P] col^T [P, K]
        im2col(x + (b * s.C + g * Cg) * s.H * s.W, Cg, s, col.data());
        gemm(Og, K, P, 1.0f, gyg, P, col.data(), P, /*b_transposed=*/true, 1.0f, dw + g * Og * K, K);
      }
      if (dx) {
        // dcol [K, P] = W_g^T [K, Og] gY_g [Og, P], folded back onto the image.
        gemm_tn(K, P, Og, 1.0f, wg, K, gyg, P, 0.0f, dcol.data(), P);
        col2im_add(dcol.data(), Cg, s, dx + (b * s.C + g * Cg) * s.H * s.W);
      }
    }
  if (db)
    for (int64_t b = 0; b < s.B; ++b)
      for (int64_t o = 0; o < out_channels; ++o) {
        double sum = 0.0;
        const float* plane = gy + (b * out_channels + o) * P;
        for (int64_t p = 0; p < P; ++p) sum += plane[p];
        db[o] += static_cast<float>(sum);
      }
}

void max_pool2d_backward(const float* x, const Window2d& s, const float* gy, float* dx) {
  const int64_t planes = s.B * s.C;
#pragma omp parallel for schedule(static) if (planes * s.OH * s.OW > 32768)
  for (int64_t bc = 0; bc < planes; ++bc) {
    const float* in = x + bc * s.H * s.W;
    const float* g = gy + bc * s.OH * s.OW;
    float* d = dx + bc * s.H * s.W;
    std::fill(d, d + s.H * s.W, 0.0f);
    for (int64_t oh = 0; oh < s.OH; ++oh)
      for (int64_t ow = 0; ow < s.OW; ++ow) {
        const int64_t at = max_pool_argmax(in, s, oh, ow);  // the forward's choice
        if (at >= 0) d[at] += g[oh * s.OW + ow];
      }
  }
}

void adaptive_avg_pool2d_backward(const float* gy, int64_t B, int64_t C, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, float* dx) {
#pragma omp parallel for schedule(static) if (B * C * H * W > 32768)
  for (int64_t bc = 0; bc < B * C; ++bc) {
    const float* g = gy + bc * OH * OW;
    float* d = dx + bc * H * W;
    std::fill(d, d + H * W, 0.0f);
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        const float share = g[oh * OW + ow] / static_cast<float>((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) d[ih * W + iw] += share;
      }
    }
  }
}

}  // namespace cuddle::kernels
