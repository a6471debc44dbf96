// In-register transposes of float blocks (AVX-512) for the GEMM, which changes operand
// orientation on the fly (pack_kmajor.h, transposed tile stores).
#pragma once
#include <immintrin.h>


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
// The 8 x 16 block r[0..7] (row i in r[i]) transposed: column j of the block (8 floats) in
// the low half of out[j]; the high halves are unspecified. Half the shuffles of padding the
// block to 16 x 16.
__attribute__((target("avx512f"))) inline void transpose8x16(const __m512 r[8], __m512 out[16]) {
  __m512 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {
    u[4 * h + 0] = _mm512_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    u[4 * h + 1] = _mm512_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
    u[4 * h + 2] = _mm512_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    u[4 * h + 3] = _mm512_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
  }
  // Now 128-bit lane L of u[c] holds rows 0-3 of column 4L + c, and that of u[4 + c] rows 4-7.
  for (int lane = 0; lane < 4; ++lane) {
    const __m512i pick = _mm512_setr_epi32(4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3, 16 + 4 * lane,
                                           17 + 4 * lane, 18 + 4 * lane, 19 + 4 * lane, 0, 0, 0, 0, 0, 0, 0, 0);
    for (int c = 0; c < 4; ++c) out[4 * lane + c] = _mm512_permutex2var_ps(u[c], pick, u[4 + c]);
  }
}
#pragma GCC diagnostic pop

}  // namespace cuddle::kernels
