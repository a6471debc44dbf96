#include "kernels/cpu/decoder_grad_kernels.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cuddle::kernels {

void rms_norm_backward(const float* x, const float* weight, const float* g, int64_t rows, int64_t n,
                       float eps, float offset, float* dx, float* dweight) {
  // y = x * inv * w', inv = (mean(x^2) + eps)^-1/2, w' = weight + offset:
  // dx = inv * (g w' - x inv^2 mean(g w' x)); dweight = sum over rows of g x inv.
  std::vector<float> inv(static_cast<size_t>(rows));
#pragma omp parallel for schedule(static) if (rows * n >= (int64_t{1} << 16))
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    const float* gr = g + r * n;
    float ss = 0.0f;  // as the forward: f32 accumulation
    for (int64_t i = 0; i < n; ++i) ss += xr[i] * xr[i];
    const float iv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
    inv[static_cast<size_t>(r)] = iv;
    double dot = 0.0;
    for (int64_t i = 0; i < n; ++i) dot += static_cast<double>(gr[i]) * (weight[i] + offset) * xr[i];
    const float c = static_cast<float>(dot / static_cast<double>(n)) * iv * iv;
    float* dr = dx + r * n;
    for (int64_t i = 0; i < n; ++i) dr[i] = iv * (gr[i] * (weight[i] + offset) - xr[i] * c);
  }
  if (!dweight) return;
#pragma omp parallel for schedule(static) if (rows * n >= (int64_t{1} << 16))
  for (int64_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int64_t r = 0; r < rows; ++r)
      s += static_cast<double>(g[r * n + i]) * x[r * n + i] * inv[static_cast<size_t>(r)];
    dweight[i] += static_cast<float>(s);
  }
}

void rotary_backward(float* g, int64_t rows, int64_t row_stride, int64_t heads, int64_t head_dim,
                     const float* cos, const float* sin, int64_t rot) {
  const int64_t half = rot / 2;
#pragma omp parallel for schedule(static) if (rows * heads * rot >= (int64_t{1} << 16))
  for (int64_t r = 0; r < rows; ++r) {
    const float* c = cos + r * rot;
    const float* s = sin + r * rot;
    for (int64_t h = 0; h < heads; ++h) {
      float* p = g + r * row_stride + h * head_dim;
      for (int64_t d = 0; d < half; ++d) {
        const float ga = p[d], gb = p[d + half];
        p[d] = ga * c[d] + gb * s[d + half];
        p[d + half] = gb * c[d + half] - ga * s[d];
      }
    }
  }
}

void causal_attention_backward(const float* q, const float* k, const float* v, const float* ctx,
                               const float* dctx, const CausalAttentionShape& shape, float scale,
                               const int64_t* key_mask, int64_t window, float softcap, float* dq,
                               float* dk, float* dv) {
  // Plain copies, not a structured binding: clang 14 cannot name bindings inside OpenMP regions.
  const int64_t B = shape.B, Sq = shape.Sq, Sk = shape.Sk, H = shape.H, Hkv = shape.Hkv, D = shape.D;
  const int64_t ldq = shape.ldq, q_batch = shape.q_batch, ldkv = shape.ldkv, kv_batch = shape.kv_batch;
  const int64_t group = Hkv ? H / Hkv : 0, width = H * D, kv_width = Hkv * D, past = Sk - Sq;
  std::fill(dq, dq + B * Sq * width, 0.0f);
  std::fill(dk, dk + B * Sk * kv_width, 0.0f);
  std::fill(dv, dv + B * Sk * kv_width, 0.0f);
  if (B == 0 || Sq == 0) return;
  const int threads = omp_get_max_threads();
  std::vector<float> scratch(static_cast<size_t>(threads) * Sk);
  const bool worth_threads = B * H * Sq * Sk * D >= (int64_t{1} << 16);
  // One (batch, kv head) per task: the group's query heads all add into its dk / dv rows.
#pragma omp parallel for collapse(2) schedule(static) if (worth_threads)
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t kh = 0; kh < Hkv; ++kh) {
      float* s = scratch.data() + static_cast<size_t>(omp_get_thread_num()) * Sk;
      const float* kb = k + b * kv_batch + kh * D;
      const float* vb = v + b * kv_batch + kh * D;
      float* dkb = dk + b * Sk * kv_width + kh * D;
      float* dvb = dv + b * Sk * kv_width + kh * D;
      const int64_t* mask = key_mask ? key_mask + b * Sk : nullptr;
      for (int64_t h = kh * group; h < (kh + 1) * group; ++h) {
        for (int64_t i = 0; i < Sq; ++i) {
          const float* qi = q + b * q_batch + i * ldq + h * D;
          const int64_t last = past + i;
          const int64_t first = window > 0 ? std::max<int64_t>(0, last - window + 1) : 0;
          // The scores and probabilities exactly as the forward made them.
          const float mx = causal_scores(qi, kb, ldkv, D, mask, first, last, scale, softcap, s);
          if (mx == -INFINITY) continue;  // no visible key: the output was zeros, no gradient
          float sum = 0.0f;
          for (int64_t j = first; j <= last; ++j) sum += s[j] == -INFINITY ? 0.0f : std::exp(s[j] - mx);
          const float inv = 1.0f / sum;
          const float* go = dctx + (b * Sq + i) * width + h * D;
          const float* oi = ctx + (b * Sq + i) * width + h * D;
          float go_dot_o = 0.0f;
          for (int64_t d = 0; d < D; ++d) go_dot_o += go[d] * oi[d];
          float* dqi = dq + (b * Sq + i) * width + h * D;
          for (int64_t j = first; j <= last; ++j) {
            if (s[j] == -INFINITY) continue;
            const float p = std::exp(s[j] - mx) * inv;
            const float* vj = vb + j * ldkv;
            const float* kj = kb + j * ldkv;
            float* dvj = dvb + j * kv_width;
            float* dkj = dkb + j * kv_width;
            // dV += p dO; dP = dO . v; dS = p (dP - dO . O), through the cap's tanh, then scaled.
            float dp = 0.0f;
            for (int64_t d = 0; d < D; ++d) {
              dvj[d] += p * go[d];
              dp += go[d] * vj[d];
            }
            float ds = p * (dp - go_dot_o);
            if (softcap > 0.0f) ds *= 1.0f - (s[j] / softcap) * (s[j] / softcap);
            ds *= scale;
            for (int64_t d = 0; d < D; ++d) {
              dqi[d] += ds * kj[d];
              dkj[d] += ds * qi[d];
            }
          }
        }
      }
    }
  }
}

}  // namespace cuddle::kernels
