// CPU kernels on NCHW images: convolution, inference batch norm, pooling. Raw row-major
// float32 pointers, no shape checks (ops/conv.cpp and ops/pool.cpp do those).
#pragma once
#include <cstdint>

#include "cuddle/activation.h"

namespace cuddle::kernels {

// Geometry of a 2-D convolution or pooling window over B images of C channels, H x W,
// giving OH x OW outputs (torch's output size: (H + 2*pad - dil*(k-1) - 1) / stride + 1).
struct Window2d {
  int64_t B, C, H, W;
  int64_t kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
  int64_t OH, OW;
};

// col[(c*kh + i)*kw + j, oh*OW + ow] = x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (0 outside)
// for `channels` planes of one image.
void im2col(const float* x, int64_t channels, const Window2d& s, float* col);

// y[B, O, OH, OW] = act(conv(x[B, C, H, W], w[O, C/groups, kh, kw]) + bias[O]); bias may be
// null. Each (image, group) is one GEMM of the weight [O/g, C/g*kh*kw] against the im2col
// matrix [C/g*kh*kw, OH*OW], which gives NCHW output directly; a 1x1 stride-1 unpadded
// convolution multiplies by the input itself (no im2col). Bias and activation run in one
// pass over each output plane.
void conv2d(const float* x, const Window2d& s, const float* w, int64_t out_channels,
            int64_t groups, const float* bias, Activation act, float* y);

// y[b, c, i] = x[b, c, i] * scale[c] + shift[c] over `plane` elements per channel (inference
// batch norm once scale = weight / sqrt(var + eps), shift = bias - mean * scale, as torch's
// CPU batch norm computes it).
void channel_affine(const float* x, int64_t B, int64_t C, int64_t plane, const float* scale,
                    const float* shift, float* y);

// Max over each window; padding counts as -inf, NaN propagates (torch.nn.MaxPool2d).
void max_pool2d(const float* x, const Window2d& s, float* y);
// Index into `plane` [H, W] of the element max_pool2d picks for output (oh, ow): the first
// maximum, or the last NaN; -1 when the window holds only padding.
int64_t max_pool_argmax(const float* plane, const Window2d& s, int64_t oh, int64_t ow);

// torch.nn.AdaptiveAvgPool2d: output cell (i, j) averages rows floor(i*H/OH) ..
// ceil((i+1)*H/OH) and the matching columns.
void adaptive_avg_pool2d(const float* x, int64_t B, int64_t C, int64_t H, int64_t W, int64_t OH,
                         int64_t OW, float* y);

}  // namespace cuddle::kernels
