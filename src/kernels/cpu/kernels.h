// CPU kernels: the hot loops of inference, on raw row-major float32 pointers. No shapes,
// no dtypes, no allocation policy: ops (src/ops) check those and call in here.
//
// Threading: every kernel parallelises itself with OpenMP over independent rows / (batch,
// head) pairs. GEMMs go to OpenBLAS (OpenMP build, one shared thread pool): at the top
// level it uses all threads; inside our parallel regions OpenBLAS sees omp_in_parallel()
// and runs single-threaded, so the machine is never oversubscribed.
#pragma once
#include <cstdint>

#include "cuddle/activation.h"

namespace cuddle::kernels {

// C[M,N] = alpha * A[M,K] * op(B) + beta * C, op(B) = B^T when b_transposed (B is [N,K],
// the torch Linear weight layout), else B is [K,N]. Leading dimensions in elements.
void gemm(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, bool b_transposed, float beta, float* C, int64_t ldc);

// In place: x[i] = act(x[i]) for n elements.
void activation(Activation act, float* x, int64_t n);

// y[M,N] = act(x[M,K] * W[N,K]^T + bias[N]); bias may be null. The bias and the
// activation are applied in one pass over y right after the GEMM.
void linear(const float* x, int64_t M, int64_t K, const float* W, const float* bias, int64_t N,
            Activation act, float* y);

// out[r,:] = LayerNorm(x[r,:] + residual[r,:]) * gamma + beta over n columns, biased
// variance, eps inside the square root (torch.nn.LayerNorm). residual may be null; out may
// alias x or residual.
void add_layer_norm(const float* x, const float* residual, const float* gamma, const float* beta,
                    int64_t rows, int64_t n, float eps, float* out);

// In place softmax over each of `rows` rows of n elements (max-subtracted, as torch).
void softmax(float* x, int64_t rows, int64_t n);

// Multi-head scaled dot-product attention for B sequences, H heads of size D: Sq queries
// attend to Sk keys. q points at [B, Sq, H*D] rows `ldq` floats apart; k and v at
// [B, Sk, H*D] rows `ldkv` floats apart (ld = 3*H*D when they are slices of one fused QKV
// projection). key_bias is null or an additive [B, Sk] mask over keys (0 or the float
// minimum, as transformers builds it). causal: query i sees keys 0..i only (Sq == Sk).
// ctx receives [B, Sq, H*D] contiguous. Parallel over (batch, head).
struct AttentionShape {
  int64_t B, Sq, Sk, H, D;
  int64_t ldq, ldkv;
};
void attention(const float* q, const float* k, const float* v, const AttentionShape& shape,
               float scale, const float* key_bias, bool causal, float* ctx);

// out[t,:] = table[ids[t],:] for n columns; ids already validated by the caller.
void embedding(int64_t tokens, int64_t n, const float* table, const int64_t* ids, float* out);
// out[t, k] = table[k, ids[t]]: a lookup into the transpose of table [n, V].
void embedding_columns(int64_t tokens, int64_t n, int64_t V, const float* table, const int64_t* ids, float* out);

}  // namespace cuddle::kernels
