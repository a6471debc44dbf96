#include <omp.h>

#include <vector>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/softmax_row.h"

namespace cuddle::kernels {

void attention(const float* q, const float* k, const float* v, int64_t ld, int64_t B, int64_t S,
               int64_t H, int64_t D, float scale, const float* key_bias, float* ctx) {
  if (B == 0 || S == 0) return;
  const int64_t width = H * D;
  const int threads = omp_get_max_threads();
  // One S x S score matrix per thread, reused across the (batch, head) pairs it handles.
  std::vector<float> scores(static_cast<size_t>(threads) * S * S);
  // As for every kernel here, tiny problems stay on one thread (a team's start and
  // barrier cost more than the work).
  const bool worth_threads = B * H * S * S * D >= (int64_t{1} << 18);
#pragma omp parallel for collapse(2) schedule(static) if (worth_threads)
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      float* s = scores.data() + static_cast<size_t>(omp_get_thread_num()) * S * S;
      const int64_t base = b * S * ld + h * D;
      // s = scale * Q_bh K_bh^T; OpenBLAS runs single-threaded inside this region.
      gemm(S, S, D, scale, q + base, ld, k + base, ld, /*b_transposed=*/true, 0.0f, s, S);
      const float* bias = key_bias ? key_bias + b * S : nullptr;
      for (int64_t i = 0; i < S; ++i) softmax_row(s + i * S, bias, S);
      gemm(S, D, S, 1.0f, s, S, v + base, ld, /*b_transposed=*/false, 0.0f,
           ctx + b * S * width + h * D, width);
    }
  }
}

}  // namespace cuddle::kernels
