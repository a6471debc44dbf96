#include "kernels/cpu/decoder_kernels.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cuddle::kernels {

void rms_norm(const float* x, const float* weight, int64_t rows, int64_t n, float eps,
              float offset, float* out) {
#pragma omp parallel for schedule(static) if (rows * n >= (int64_t{1} << 16))
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = out + r * n;
    // f32 accumulation, as transformers upcasts to float32 before the mean.
    float ss = 0.0f;
    for (int64_t i = 0; i < n; ++i) ss += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] * inv) * (weight[i] + offset);
  }
}

void rotary(float* x, int64_t rows, int64_t row_stride, int64_t heads, int64_t head_dim,
            const float* cos, const float* sin, int64_t rot) {
  const int64_t half = rot / 2;
#pragma omp parallel for schedule(static) if (rows * heads * rot >= (int64_t{1} << 16))
  for (int64_t r = 0; r < rows; ++r) {
    const float* c = cos + r * rot;
    const float* s = sin + r * rot;
    for (int64_t h = 0; h < heads; ++h) {
      float* p = x + r * row_stride + h * head_dim;
      for (int64_t d = 0; d < half; ++d) {
        const float a = p[d], b = p[d + half];
        p[d] = a * c[d] - b * s[d];
        p[d + half] = b * c[d + half] + a * s[d + half];
      }
    }
  }
}

void causal_attention(const float* q, const float* k, const float* v,
                      const CausalAttentionShape& shape, float scale, const int64_t* key_mask,
                      int64_t window, float softcap, float* ctx) {
  // Plain copies, not a structured binding: clang 14 cannot name bindings inside OpenMP regions.
  const int64_t B = shape.B, Sq = shape.Sq, Sk = shape.Sk, H = shape.H, Hkv = shape.Hkv, D = shape.D;
  const int64_t ldq = shape.ldq, q_batch = shape.q_batch, ldkv = shape.ldkv, kv_batch = shape.kv_batch;
  if (B == 0 || Sq == 0) return;
  const int64_t group = H / Hkv, width = H * D, past = Sk - Sq;
  const int threads = omp_get_max_threads();
  std::vector<float> scratch(static_cast<size_t>(threads) * (Sk + D));
  const bool worth_threads = B * H * Sq * Sk * D >= (int64_t{1} << 16);
#pragma omp parallel for collapse(2) schedule(static) if (worth_threads)
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      float* s = scratch.data() + static_cast<size_t>(omp_get_thread_num()) * (Sk + D);
      float* acc = s + Sk;
      const int64_t kh = h / group;
      const float* kb = k + b * kv_batch + kh * D;
      const float* vb = v + b * kv_batch + kh * D;
      const int64_t* mask = key_mask ? key_mask + b * Sk : nullptr;
      for (int64_t i = 0; i < Sq; ++i) {
        const float* qi = q + b * q_batch + i * ldq + h * D;
        const int64_t last = past + i;
        const int64_t first = window > 0 ? std::max<int64_t>(0, last - window + 1) : 0;
        const float mx = causal_scores(qi, kb, ldkv, D, mask, first, last, scale, softcap, s);
        float* out = ctx + (b * Sq + i) * width + h * D;
        std::fill(acc, acc + D, 0.0f);
        if (mx == -INFINITY) {  // no visible key: a padding query whose output is unused
          std::copy(acc, acc + D, out);
          continue;
        }
        float sum = 0.0f;
        for (int64_t j = first; j <= last; ++j) {
          if (s[j] == -INFINITY) continue;
          const float p = std::exp(s[j] - mx);
          sum += p;
          const float* vj = vb + j * ldkv;
          for (int64_t d = 0; d < D; ++d) acc[d] += p * vj[d];
        }
        const float inv = 1.0f / sum;
        for (int64_t d = 0; d < D; ++d) out[d] = acc[d] * inv;
      }
    }
  }
}

}  // namespace cuddle::kernels
