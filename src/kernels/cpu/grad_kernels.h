// Backward passes of the CPU kernels (the gradient rules of src/ops/grad call in here).
// Same conventions as kernels.h: raw row-major f32 pointers, shapes checked by the caller,
// OpenMP over independent rows / (batch, head) pairs.
#pragma once
#include <cstdint>

#include "cuddle/activation.h"
#include "kernels/cpu/kernels.h"

namespace cuddle::kernels {

// C[M,N] = alpha * A^T * B + beta * C with A stored [K,M] and B stored [K,N]: a weight
// gradient (gY^T X) summed over the K rows of a batch.
void gemm_tn(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
             const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// dx[i] = g[i] * act'(x[i]) for n elements (x is the activation's input).
void activation_backward(Activation act, const float* x, const float* g, float* dx, int64_t n);

// Column sums of a [rows, n] matrix added into out[n] (bias gradients), in double.
void add_column_sums(const float* g, int64_t rows, int64_t n, float* out);

// Backward of LayerNorm over rows of n columns: x is the normalised input (x + residual
// for the fused form), g the output gradient. Writes dx[rows, n]; adds the weight and bias
// gradients into dgamma / dbeta (either may be null). Statistics are recomputed from x as
// the forward computed them.
void layer_norm_backward(const float* x, const float* gamma, const float* g, int64_t rows, int64_t n,
                         float eps, float* dx, float* dgamma, float* dbeta);

// Backward of softmax over rows of n: dx = y * (g - sum(g * y)), y the softmax output.
void softmax_backward(const float* y, const float* g, int64_t rows, int64_t n, float* dx);

// Backward of kernels::attention: the probabilities are recomputed per (batch, head) from
// q and k exactly as the forward made them. ctx is the forward's output, dctx its gradient
// ([B, Sq, H*D] contiguous). dq [B, Sq, H*D], dk and dv [B, Sk, H*D] are written
// (contiguous, overwritten).
void attention_backward(const float* q, const float* k, const float* v, const float* ctx,
                        const float* dctx, const AttentionShape& shape, float scale,
                        const float* key_bias, bool causal, float* dq, float* dk, float* dv);

}  // namespace cuddle::kernels
