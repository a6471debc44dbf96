#include "kernels/cpu/pack_kmajor.h"

#include <algorithm>

#include "kernels/cpu/transpose_avx512.h"

namespace cuddle::kernels {

namespace {

__attribute__((target("avx512f"))) void pack_kmajor_avx512(const float* const* rows, int64_t width, int64_t kc,
                                                                  float* dst) {
  for (int64_t k0 = 0; k0 < kc; k0 += 16) {
    const int64_t kv = std::min<int64_t>(16, kc - k0);
    const __mmask16 k_mask = static_cast<__mmask16>((1u << kv) - 1);
    for (int64_t h = 0; h < width; h += 16) {
      const int64_t lanes = std::min<int64_t>(16, width - h);
      const __mmask16 lane_mask = static_cast<__mmask16>((1u << lanes) - 1);
      __m512 r[16];
      for (int64_t i = 0; i < 16; ++i)
        r[i] = i < lanes && rows[h + i] ? _mm512_maskz_loadu_ps(k_mask, rows[h + i] + k0) : _mm512_setzero_ps();
      transpose16x16(r);
      for (int64_t c = 0; c < kv; ++c) _mm512_mask_storeu_ps(dst + (k0 + c) * width + h, lane_mask, r[c]);
    }
  }
}

}  // namespace

void pack_kmajor(const float* const* rows, int64_t width, int64_t kc, GemmIsa isa, float* dst) {
  if (usable_gemm_isa(isa) == GemmIsa::Avx512) {
    pack_kmajor_avx512(rows, width, kc, dst);
    return;
  }
  // k blocks of 64 so the rows' current lines stay cached while the panel is written.
  for (int64_t k0 = 0; k0 < kc; k0 += 64) {
    const int64_t k1 = std::min(kc, k0 + 64);
    for (int64_t j = 0; j < width; ++j)
      for (int64_t k = k0; k < k1; ++k) dst[k * width + j] = rows[j] ? rows[j][k] : 0.f;
  }
}

}  // namespace cuddle::kernels
