#include "kernels/cpu/weight_gemm_tiles.h"

#include <immintrin.h>

#include <algorithm>

#include "kernels/cpu/transpose_avx512.h"

namespace cuddle::kernels {

namespace {

// Each broadcast weight value feeds NV fused multiply-adds: with NV = 4 (AVX-512, 6 x 64)
// the broadcasts take few enough issue slots that the FMA units stay busy (6 x 4 measured
// 5-10% faster than 12 x 2 on Zen 4, the same 24 accumulators).
template <int MR, int NV, bool kPrefetch>
__attribute__((target("avx512f"))) void tile_avx512(int64_t k0, int64_t kc, const float* const* wr,
                                                    const float* const* next, const float* bp, int64_t tw,
                                                    const float* bias, bool accumulate, float* t) {
  const float* r[MR];
  __m512 acc[MR][NV];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    r[i] = wr[i] + k0;
    for (int v = 0; v < NV; ++v)
      acc[i][v] = accumulate ? _mm512_loadu_ps(t + i * tw + 16 * v) : _mm512_set1_ps(bias[i]);
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    if constexpr (kPrefetch)
      if ((kk & 15) == 0)
#pragma GCC unroll 12
        for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(next[i] + k0 + kk), _MM_HINT_T1);
    __m512 b[NV];
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(bp + kk * tw + 16 * v);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(r[i][kk]);
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(av, b[v], acc[i][v]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(t + i * tw + 16 * v, acc[i][v]);
}

template <int MR, int NV, bool kPrefetch>
__attribute__((target("avx2,fma"))) void tile_avx2(int64_t k0, int64_t kc, const float* const* wr,
                                                  const float* const* next, const float* bp, int64_t tw,
                                                  const float* bias, bool accumulate, float* t) {
  const float* r[MR];
  __m256 acc[MR][NV];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    r[i] = wr[i] + k0;
    for (int v = 0; v < NV; ++v)
      acc[i][v] = accumulate ? _mm256_loadu_ps(t + i * tw + 8 * v) : _mm256_set1_ps(bias[i]);
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    if constexpr (kPrefetch)
      if ((kk & 15) == 0)
#pragma GCC unroll 6
        for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(next[i] + k0 + kk), _MM_HINT_T1);
    __m256 b[NV];
    for (int v = 0; v < NV; ++v) b[v] = _mm256_loadu_ps(bp + kk * tw + 8 * v);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      // (set1 of a loaded value, not _mm256_broadcast_ss(pointer): with the pointer form GCC 12
      // stored every accumulator to the stack on each step, which halved the speed)
      const __m256 av = _mm256_set1_ps(r[i][kk]);
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(av, b[v], acc[i][v]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(t + i * tw + 8 * v, acc[i][v]);
}

template <int MR, int NV>
void tile_generic(int64_t k0, int64_t kc, const float* const* wr, const float* const* /*next*/, const float* bp,
                  int64_t tw, const float* bias, bool accumulate, float* t) {
  constexpr int W = 8 * NV;
  float acc[MR][W];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < W; ++j) acc[i][j] = accumulate ? t[i * tw + j] : bias[i];
  for (int64_t kk = 0; kk < kc; ++kk)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < W; ++j) acc[i][j] += wr[i][k0 + kk] * bp[kk * tw + j];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < W; ++j) t[i * tw + j] = acc[i][j];
}

// Dot products for the few activation rows that do not fill a vector (a sequence's last
// m % 16 rows, or the single row of a decoding step): out[i * MR + j] = sum_k ar[i][k] *
// wr[j][k], vectorised along K and reduced at the end, so that no padding rows are
// computed. NA activation rows at a time against one weight micro-panel.
// (GCC 12 warns about the undefined pass-through inside _mm512_reduce_add_ps, never read)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <int MR, int NA, bool kMasked>
[[gnu::always_inline]] __attribute__((target("avx512f"))) inline void dot_step_avx512(const float* const* wr,
                                                                                    const float* const* ar, int64_t kk,
                                                                                    __mmask16 valid,
                                                                                    __m512 (&acc)[NA][MR]) {
  __m512 av[NA];
  for (int i = 0; i < NA; ++i) av[i] = kMasked ? _mm512_maskz_loadu_ps(valid, ar[i] + kk) : _mm512_loadu_ps(ar[i] + kk);
#pragma GCC unroll 6
  for (int j = 0; j < MR; ++j) {
    const __m512 wv = kMasked ? _mm512_maskz_loadu_ps(valid, wr[j] + kk) : _mm512_loadu_ps(wr[j] + kk);
    for (int i = 0; i < NA; ++i) acc[i][j] = _mm512_fmadd_ps(av[i], wv, acc[i][j]);
  }
}

template <int MR, int NA>
__attribute__((target("avx512f"))) void dot_avx512(const float* const* wr, const float* const* ar, int64_t k,
                                                   float* out) {
  __m512 acc[NA][MR];
  for (int i = 0; i < NA; ++i)
    for (int j = 0; j < MR; ++j) acc[i][j] = _mm512_setzero_ps();
  // Whole vectors, then a masked last one: masked loads in the main loop made GCC 12 keep
  // the accumulators in memory (in both ISAs' kernels).
  const int64_t whole = k / 16 * 16;
  for (int64_t kk = 0; kk < whole; kk += 16) dot_step_avx512<MR, NA, false>(wr, ar, kk, 0, acc);
  if (whole < k) dot_step_avx512<MR, NA, true>(wr, ar, whole, static_cast<__mmask16>((1u << (k - whole)) - 1), acc);
  for (int i = 0; i < NA; ++i)
    for (int j = 0; j < MR; ++j) out[i * MR + j] = _mm512_reduce_add_ps(acc[i][j]);
}
#pragma GCC diagnostic pop

template <int MR, int NA, bool kMasked>
[[gnu::always_inline]] __attribute__((target("avx2,fma"))) inline void dot_step_avx2(const float* const* wr,
                                                                                   const float* const* ar, int64_t kk,
                                                                                   __m256i valid,
                                                                                   __m256 (&acc)[NA][MR]) {
  __m256 av[NA];
  for (int i = 0; i < NA; ++i) av[i] = kMasked ? _mm256_maskload_ps(ar[i] + kk, valid) : _mm256_loadu_ps(ar[i] + kk);
#pragma GCC unroll 6
  for (int j = 0; j < MR; ++j) {
    const __m256 wv = kMasked ? _mm256_maskload_ps(wr[j] + kk, valid) : _mm256_loadu_ps(wr[j] + kk);
    for (int i = 0; i < NA; ++i) acc[i][j] = _mm256_fmadd_ps(av[i], wv, acc[i][j]);
  }
}

template <int MR, int NA>
__attribute__((target("avx2,fma"))) void dot_avx2(const float* const* wr, const float* const* ar, int64_t k,
                                                 float* out) {
  __m256 acc[NA][MR];
  for (int i = 0; i < NA; ++i)
    for (int j = 0; j < MR; ++j) acc[i][j] = _mm256_setzero_ps();
  const int64_t whole = k / 8 * 8;
  for (int64_t kk = 0; kk < whole; kk += 8) dot_step_avx2<MR, NA, false>(wr, ar, kk, _mm256_setzero_si256(), acc);
  if (whole < k) {
    const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k - whole)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    dot_step_avx2<MR, NA, true>(wr, ar, whole, valid, acc);
  }
  for (int i = 0; i < NA; ++i)
    for (int j = 0; j < MR; ++j) {
      const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[i][j]), _mm256_extractf128_ps(acc[i][j], 1));
      const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
      out[i * MR + j] = _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
    }
}

template <int MR, int NA>
void dot_generic(const float* const* wr, const float* const* ar, int64_t k, float* out) {
  for (int i = 0; i < NA; ++i)
    for (int j = 0; j < MR; ++j) {
      float sum = 0.f;
      for (int64_t kk = 0; kk < k; ++kk) sum += ar[i][kk] * wr[j][kk];
      out[i * MR + j] = sum;
    }
}

// Writes rows x cols of a weight-row-major tile (row stride tw) into C, transposed.
void store_tile(const float* t, int64_t tw, int64_t rows, int64_t cols, float* c, int64_t ldc) {
  for (int64_t j = 0; j < cols; ++j) {
    float* cj = c + j * ldc;
    for (int64_t i = 0; i < rows; ++i) cj[i] = t[i * tw + j];
  }
}

// (rows <= 8: the AVX-512 tiles are 6 weight rows tall)
static_assert(kMaxMr <= 8, "store_tile_avx512 transposes 8-row blocks");
__attribute__((target("avx512f"))) void store_tile_avx512(const float* t, int64_t tw, int64_t rows, int64_t cols,
                                                          float* c, int64_t ldc) {
  const __mmask16 row_mask = static_cast<__mmask16>((1u << rows) - 1);
  for (int64_t h = 0; h < cols; h += 16) {
    __m512 r[8], out[16];
    for (int64_t i = 0; i < 8; ++i) r[i] = i < rows ? _mm512_loadu_ps(t + i * tw + h) : _mm512_setzero_ps();
    transpose8x16(r, out);
    for (int64_t j = 0; j < std::min<int64_t>(16, cols - h); ++j) _mm512_mask_storeu_ps(c + (h + j) * ldc, row_mask, out[j]);
  }
}

}  // namespace

const IsaTiles& tiles_for(GemmIsa isa) {
  static const IsaTiles avx512{6,
                               16,
                               4,
                               {{tile_avx512<6, 1, false>, tile_avx512<6, 1, true>},
                                {tile_avx512<6, 2, false>, tile_avx512<6, 2, true>},
                                {tile_avx512<6, 3, false>, tile_avx512<6, 3, true>},
                                {tile_avx512<6, 4, false>, tile_avx512<6, 4, true>}},
                               store_tile_avx512,
                               4,
                               8,
                               {dot_avx512<6, 1>, dot_avx512<6, 2>, dot_avx512<6, 3>, dot_avx512<6, 4>}};
  static const IsaTiles avx2{6,
                             8,
                             2,
                             {{tile_avx2<6, 1, false>, tile_avx2<6, 1, true>}, {tile_avx2<6, 2, false>, tile_avx2<6, 2, true>}},
                             store_tile,
                             2,
                             4,
                             {dot_avx2<6, 1>, dot_avx2<6, 2>}};
  static const IsaTiles generic{6,
                                8,
                                2,
                                {{tile_generic<6, 1>, tile_generic<6, 1>}, {tile_generic<6, 2>, tile_generic<6, 2>}},
                                store_tile,
                                2,
                                4,
                                {dot_generic<6, 1>, dot_generic<6, 2>}};
  switch (isa) {
    case GemmIsa::Avx512: return avx512;
    case GemmIsa::Avx2: return avx2;
    default: return generic;
  }
}

}  // namespace cuddle::kernels
