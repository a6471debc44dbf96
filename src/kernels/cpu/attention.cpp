#include <omp.h>

#include <vector>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/softmax_row.h"

namespace cuddle::kernels {

void attention_probs(const float* q, const float* k, const AttentionShape& shape, int64_t b, int64_t h,
                     float scale, const float* key_bias, bool causal, float* p) {
  const int64_t Sq = shape.Sq, Sk = shape.Sk, D = shape.D, ldq = shape.ldq, ldkv = shape.ldkv;
  // p = scale * Q_bh K_bh^T; OpenBLAS runs single-threaded inside the callers' parallel regions.
  gemm(Sq, Sk, D, scale, q + b * Sq * ldq + h * D, ldq, k + b * Sk * ldkv + h * D, ldkv, /*b_transposed=*/true,
       0.0f, p, Sk);
  const float* bias = key_bias ? key_bias + b * Sk : nullptr;
  for (int64_t i = 0; i < Sq; ++i) {
    float* row = p + i * Sk;
    // Keys after i carry the float minimum in transformers' causal mask: their weight is
    // exactly zero, so the softmax runs over keys 0..i only.
    const int64_t live = causal ? i + 1 : Sk;
    softmax_row(row, bias, live);
    for (int64_t j = live; j < Sk; ++j) row[j] = 0.0f;
  }
}

void attention(const float* q, const float* k, const float* v, const AttentionShape& shape,
               float scale, const float* key_bias, bool causal, float* ctx) {
  // Plain copies, not a structured binding: clang 14 cannot name bindings inside OpenMP regions.
  const int64_t B = shape.B, Sq = shape.Sq, Sk = shape.Sk, H = shape.H, D = shape.D;
  const int64_t ldkv = shape.ldkv;
  if (B == 0 || Sq == 0) return;
  const int64_t width = H * D;
  const int threads = omp_get_max_threads();
  // One Sq x Sk score matrix per thread, reused across the (batch, head) pairs it handles.
  std::vector<float> scores(static_cast<size_t>(threads) * Sq * Sk);
  // As for every kernel here, tiny problems stay on one thread (a team's start and
  // barrier cost more than the work).
  const bool worth_threads = B * H * Sq * Sk * D >= (int64_t{1} << 18);
#pragma omp parallel for collapse(2) schedule(static) if (worth_threads)
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      float* s = scores.data() + static_cast<size_t>(omp_get_thread_num()) * Sq * Sk;
      const float* vb = v + b * Sk * ldkv + h * D;
      attention_probs(q, k, shape, b, h, scale, key_bias, causal, s);
      gemm(Sq, D, Sk, 1.0f, s, Sk, vb, ldkv, /*b_transposed=*/false, 0.0f,
           ctx + b * Sq * width + h * D, width);
    }
  }
}

}  // namespace cuddle::kernels
