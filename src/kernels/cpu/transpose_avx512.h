// In-register transpose of a 16 x 16 float block (AVX-512), shared by the GEMMs that
// change operand orientation on the fly (operand packing, transposed tile stores).
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace cuddle::kernels {

// GCC 12 reports the _mm512_undefined_ps() pass-through inside these intrinsics as
// "may be used uninitialized"; the shuffles never read it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// r[i] = row i on entry, column i on return.
__attribute__((target("avx512f"))) inline void transpose16x16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xDD);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}
#pragma GCC diagnostic pop

// Packs kc floats of each of `width` rows (width <= 32; a null row packs as zeros) k-major:
// dst[k * width + j] = rows[j][k], through 16 x 16 register transposes.
__attribute__((target("avx512f"))) inline void pack_kmajor_avx512(const float* const* rows, int64_t width, int64_t kc,
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

}  // namespace cuddle::kernels
