// Backward passes of the decoder kernels (decoder_kernels.h): RMSNorm, rotary position
// embedding and causal attention with grouped key/value heads. Same conventions: raw f32
// pointers, shapes checked by the ops, OpenMP over independent rows / (batch, kv head).
#pragma once
#include <cstdint>

#include "kernels/cpu/decoder_kernels.h"

namespace cuddle::kernels {

// Backward of rms_norm over rows of n columns: x the forward's input, g the output
// gradient. Writes dx[rows, n]; adds the weight gradient into dweight (may be null). The
// statistics are recomputed from x as the forward computed them.
void rms_norm_backward(const float* x, const float* weight, const float* g, int64_t rows, int64_t n,
                       float eps, float offset, float* dx, float* dweight);

// Backward of rotary on a gradient g laid out as rotary's x, in place: the rotation's
// transpose (each (d, d + rot/2) pair turned back by the same angles).
void rotary_backward(float* g, int64_t rows, int64_t row_stride, int64_t heads, int64_t head_dim,
                     const float* cos, const float* sin, int64_t rot);

// Backward of causal_attention (same shape, strides, scale, mask, window and softcap):
// the probabilities are recomputed row by row from q and k. ctx is the forward's output,
// dctx its gradient ([B, Sq, H*D] contiguous). Writes dq [B, Sq, H*D] and dk, dv [B, Sk,
// Hkv*D] (contiguous, overwritten); the H / Hkv query heads of a group add into their
// shared key/value head's gradients.
void causal_attention_backward(const float* q, const float* k, const float* v, const float* ctx,
                               const float* dctx, const CausalAttentionShape& shape, float scale,
                               const int64_t* key_mask, int64_t window, float softcap, float* dq,
                               float* dk, float* dv);

}  // namespace cuddle::kernels
