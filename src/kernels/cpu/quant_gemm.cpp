#include "kernels/cpu/quant_gemm.h"

#include <cpuid.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cuddle/dtype.h"
#include "kernels/cpu/weight_gemm.h"

namespace cuddle::kernels {

namespace {

constexpr float kInt8Dequant = 6.200124e-05f;  // bitsandbytes' 1 / (127 * 127)
constexpr int64_t kTile = 4;                     // activation rows x weight rows per tile
static_assert(kTile == 4, "int8_vnni sums a tile row with sum4_epi32");
constexpr int64_t kPanelMinRows = 16;            // 4-bit: from here on, decoded panels (below)

bool cpu_has_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
}
bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Runs body(first_row, end_row) over the weight rows in tiles, on the thread pool when asked.
template <class Body>
void over_weight_tiles(int64_t n, bool parallel, int64_t work, const Body& body) {
  const int64_t tiles = (n + kTile - 1) / kTile;
  const bool threads = parallel && work > (int64_t{1} << 16) && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (threads)
  for (int64_t t = 0; t < tiles; ++t) body(t * kTile, std::min(n, (t + 1) * kTile));
}

// ---- int8 ----

inline float int8_result(int32_t dot, float sa, float sw, const float* bias, int64_t j) {
  float v = static_cast<float>(dot) * (sa * sw) * kInt8Dequant;
  return bias ? v + bias[j] : v;
}

void int8_generic(int64_t m, int64_t n0, int64_t n1, int64_t k, const int8_t* a, const float* sa, const int8_t* w,
                  const float* sw, const float* bias, float* out, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = n0; j < n1; ++j) {
      int32_t dot = 0;
      for (int64_t p = 0; p < k; ++p) dot += int32_t{a[i * k + p]} * int32_t{w[j * k + p]};
      out[i * n + j] = int8_result(dot, sa[i], sw[j], bias, j);
    }
}

// The four horizontal sums of a, b, c, d at once (a transposing add tree instead of four
// separate reductions).
__attribute__((target("avx512f,avx512bw"))) inline __m128i sum4_epi32(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
  const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
  const __m512i abcd = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
  const __m256i half = _mm256_add_epi32(_mm512_castsi512_si256(abcd), _mm512_extracti64x4_epi64(abcd, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void int8_vnni(
    int64_t m, int64_t n0, int64_t n1, int64_t k, const uint8_t* au, const float* sa, const int8_t* w,
    const int32_t* sums, const float* sw, const float* bias, float* out, int64_t n) {
  for (int64_t i0 = 0; i0 < m; i0 += kTile) {
    const uint8_t* ar[kTile];
    const int8_t* wr[kTile];
    // A partial tile repeats its last row; only the real rows are stored.
    for (int64_t r = 0; r < kTile; ++r) ar[r] = au + std::min(i0 + r, m - 1) * k;
    for (int64_t r = 0; r < kTile; ++r) wr[r] = w + std::min(n0 + r, n1 - 1) * k;
    __m512i acc[kTile][kTile];
    for (auto& row : acc)
      for (auto& v : row) v = _mm512_setzero_si512();
    for (int64_t p = 0; p < k; p += 64) {
      const __mmask64 mask = k - p >= 64 ? ~__mmask64{0} : (__mmask64{1} << (k - p)) - 1;
      __m512i wv[kTile];
      for (int64_t c = 0; c < kTile; ++c) wv[c] = _mm512_maskz_loadu_epi8(mask, wr[c] + p);
      for (int64_t r = 0; r < kTile; ++r) {
        const __m512i av = _mm512_maskz_loadu_epi8(mask, ar[r] + p);
        for (int64_t c = 0; c < kTile; ++c) acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], av, wv[c]);
      }
    }
    for (int64_t r = 0; r < kTile && i0 + r < m; ++r) {
      alignas(16) int32_t dots[kTile];
      _mm_store_si128(reinterpret_cast<__m128i*>(dots), sum4_epi32(acc[r][0], acc[r][1], acc[r][2], acc[r][3]));
      for (int64_t c = 0; c < kTile && n0 + c < n1; ++c) {
        const int64_t j = n0 + c;
        out[(i0 + r) * n + j] = int8_result(dots[c] - 128 * sums[j], sa[i0 + r], sw[j], bias, j);
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void int8_avx2(int64_t m, int64_t n0, int64_t n1, int64_t k, const int8_t* a,
                                                     const float* sa, const int8_t* w, const float* sw,
                                                     const float* bias, float* out, int64_t n) {
  const __m256i ones = _mm256_set1_epi16(1);
  const int64_t kv = k / 32 * 32;
  for (int64_t i0 = 0; i0 < m; i0 += kTile) {
    const int8_t* ar[kTile];
    const int8_t* wr[kTile];
    for (int64_t r = 0; r < kTile; ++r) ar[r] = a + std::min(i0 + r, m - 1) * k;
    for (int64_t r = 0; r < kTile; ++r) wr[r] = w + std::min(n0 + r, n1 - 1) * k;
    __m256i acc[kTile][kTile];
    for (auto& row : acc)
      for (auto& v : row) v = _mm256_setzero_si256();
    for (int64_t p = 0; p < kv; p += 32) {
      __m256i wv[kTile];
      for (int64_t c = 0; c < kTile; ++c) wv[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr[c] + p));
      for (int64_t r = 0; r < kTile; ++r) {
        const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ar[r] + p));
        const __m256i abs_a = _mm256_sign_epi8(av, av);
        for (int64_t c = 0; c < kTile; ++c) {
          const __m256i pairs = _mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(wv[c], av));
          acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(pairs, ones));
        }
      }
    }
    for (int64_t r = 0; r < kTile && i0 + r < m; ++r)
      for (int64_t c = 0; c < kTile && n0 + c < n1; ++c) {
        const int64_t j = n0 + c;
        alignas(32) int32_t lanes[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[r][c]);
        int32_t dot = 0;
        for (int32_t v : lanes) dot += v;
        for (int64_t p = kv; p < k; ++p) dot += int32_t{ar[r][p]} * int32_t{wr[c][p]};
        out[(i0 + r) * n + j] = int8_result(dot, sa[i0 + r], sw[j], bias, j);
      }
  }
}

// ---- 4-bit ----

inline uint8_t nibble(const uint8_t* packed, int64_t i) {
  const uint8_t b = packed[i >> 1];
  return (i & 1) ? (b & 0x0F) : (b >> 4);
}

void fourbit_generic(int64_t m, int64_t n0, int64_t n1, int64_t k, const float* a, const uint8_t* packed,
                     const float* code, const float* absmax, int64_t blocksize, const float* bias, float* out,
                     int64_t n) {
  std::vector<float> row(k);
  for (int64_t j = n0; j < n1; ++j) {
    // One weight row at a time (k floats), never the whole weight.
    for (int64_t p = 0; p < k; ++p) {
      const int64_t e = j * k + p;
      row[p] = code[nibble(packed, e)] * absmax[e / blocksize];
    }
    for (int64_t i = 0; i < m; ++i) {
      float s = 0.0f;
      for (int64_t p = 0; p < k; ++p) s += a[i * k + p] * row[p];
      out[i * n + j] = bias ? s + bias[j] : s;
    }
  }
}

// The 16 nibbles of 8 packed bytes, in element order, as 16 bytes.
__attribute__((target("avx2"))) inline __m128i unpack16(const uint8_t* p) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  const __m128i low = _mm_set1_epi8(0x0F);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low);
  return _mm_unpacklo_epi8(hi, _mm_and_si128(bytes, low));
}

__attribute__((target("avx512f,avx512bw,avx2"))) void fourbit_avx512(
    int64_t m, int64_t n0, int64_t n1, int64_t k, const float* a, const uint8_t* packed, const float* code,
    const float* absmax, int64_t blocksize, const float* bias, float* out, int64_t n) {
  const __m512 table = _mm512_loadu_ps(code);
  for (int64_t i0 = 0; i0 < m; i0 += kTile) {
    const float* ar[kTile];
    int64_t wrow[kTile];
    for (int64_t r = 0; r < kTile; ++r) ar[r] = a + std::min(i0 + r, m - 1) * k;
    for (int64_t r = 0; r < kTile; ++r) wrow[r] = std::min(n0 + r, n1 - 1);
    __m512 acc[kTile][kTile];
    for (auto& row : acc)
      for (auto& v : row) v = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p += 16) {
      __m512 wv[kTile];
      for (int64_t c = 0; c < kTile; ++c) {
        const int64_t e = wrow[c] * k + p;  // a multiple of 16: the 16 values share one block
        const __m512i idx = _mm512_cvtepu8_epi32(unpack16(packed + e / 2));
        wv[c] = _mm512_mul_ps(_mm512_permutexvar_ps(idx, table), _mm512_set1_ps(absmax[e / blocksize]));
      }
      for (int64_t r = 0; r < kTile; ++r) {
        const __m512 av = _mm512_loadu_ps(ar[r] + p);
        for (int64_t c = 0; c < kTile; ++c) acc[r][c] = _mm512_fmadd_ps(av, wv[c], acc[r][c]);
      }
    }
    for (int64_t r = 0; r < kTile && i0 + r < m; ++r)
      for (int64_t c = 0; c < kTile && n0 + c < n1; ++c) {
        const float s = _mm512_reduce_add_ps(acc[r][c]);
        out[(i0 + r) * n + n0 + c] = bias ? s + bias[n0 + c] : s;
      }
  }
}

__attribute__((target("avx2,fma"))) void fourbit_avx2(int64_t m, int64_t n0, int64_t n1, int64_t k, const float* a,
                                                        const uint8_t* packed, const float* code, const float* absmax,
                                                        int64_t blocksize, const float* bias, float* out, int64_t n) {
  const __m256 table_lo = _mm256_loadu_ps(code), table_hi = _mm256_loadu_ps(code + 8);
  for (int64_t i0 = 0; i0 < m; i0 += kTile) {
    const float* ar[kTile];
    int64_t wrow[kTile];
    for (int64_t r = 0; r < kTile; ++r) ar[r] = a + std::min(i0 + r, m - 1) * k;
    for (int64_t r = 0; r < kTile; ++r) wrow[r] = std::min(n0 + r, n1 - 1);
    __m256 acc[kTile][kTile];
    for (auto& row : acc)
      for (auto& v : row) v = _mm256_setzero_ps();
    for (int64_t p = 0; p < k; p += 16) {
      // 16 weights per row in two halves of 8 (one block: 16 divides blocksize and K).
      __m256 wv[kTile][2];
      for (int64_t c = 0; c < kTile; ++c) {
        const int64_t e = wrow[c] * k + p;
        const __m128i nib = unpack16(packed + e / 2);
        const __m256 scale = _mm256_set1_ps(absmax[e / blocksize]);
        for (int h = 0; h < 2; ++h) {
          const __m256i idx = _mm256_cvtepu8_epi32(h ? _mm_srli_si128(nib, 8) : nib);
          const __m256 lo = _mm256_permutevar8x32_ps(table_lo, idx), hi = _mm256_permutevar8x32_ps(table_hi, idx);
          // bit 3 of the index picks the upper half of the table (moved to the sign bit).
          const __m256 pick = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28));
          wv[c][h] = _mm256_mul_ps(_mm256_blendv_ps(lo, hi, pick), scale);
        }
      }
      for (int64_t r = 0; r < kTile; ++r)
        for (int h = 0; h < 2; ++h) {
          const __m256 av = _mm256_loadu_ps(ar[r] + p + 8 * h);
          for (int64_t c = 0; c < kTile; ++c) acc[r][c] = _mm256_fmadd_ps(av, wv[c][h], acc[r][c]);
        }
    }
    for (int64_t r = 0; r < kTile && i0 + r < m; ++r)
      for (int64_t c = 0; c < kTile && n0 + c < n1; ++c) {
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, acc[r][c]);
        float s = 0.0f;
        for (float v : lanes) s += v;
        out[(i0 + r) * n + n0 + c] = bias ? s + bias[n0 + c] : s;
      }
  }
}

// Decodes weight rows [r0, r1) into out ((r1 - r0) x k f32, row-major).
__attribute__((target("avx512f,avx512bw,avx2"))) void decode_rows_avx512(const uint8_t* packed, const float* code,
                                                                        const float* absmax, int64_t blocksize,
                                                                        int64_t k, int64_t r0, int64_t r1, float* out) {
  const __m512 table = _mm512_loadu_ps(code);
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t p = 0; p < k; p += 16) {
      const int64_t e = r * k + p;
      const __m512i idx = _mm512_cvtepu8_epi32(unpack16(packed + e / 2));
      _mm512_storeu_ps(out + (r - r0) * k + p,
                       _mm512_mul_ps(_mm512_permutexvar_ps(idx, table), _mm512_set1_ps(absmax[e / blocksize])));
    }
}

void decode_rows_generic(const uint8_t* packed, const float* code, const float* absmax, int64_t blocksize, int64_t k,
                         int64_t r0, int64_t r1, float* out) {
  for (int64_t e = r0 * k; e < r1 * k; ++e) out[e - r0 * k] = code[nibble(packed, e)] * absmax[e / blocksize];
}

// Many activation rows: each chunk of kPanelRows weight rows is decoded once into a
// per-thread f32 panel (48 x k floats, in cache; never the whole weight) and multiplied
// with every activation row by the f32 weight_gemm micro-kernels, so the decoding cost is
// shared by all m rows instead of being paid per 4-row tile.
constexpr int64_t kPanelRows = 48;
void fourbit_gemm_panels(int64_t m, int64_t n, int64_t k, const float* a, const uint8_t* packed, const float* code,
                         const float* absmax, int64_t blocksize, const float* bias, float* out, bool avx512,
                         bool parallel) {
  const int64_t chunks = (n + kPanelRows - 1) / kPanelRows;
  const bool threads = parallel && !omp_in_parallel();
#pragma omp parallel if (threads)
  {
    std::vector<float> panel(static_cast<size_t>(kPanelRows * k));
#pragma omp for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t r0 = c * kPanelRows, r1 = std::min(n, r0 + kPanelRows);
      if (avx512)
        decode_rows_avx512(packed, code, absmax, blocksize, k, r0, r1, panel.data());
      else
        decode_rows_generic(packed, code, absmax, blocksize, k, r0, r1, panel.data());
      const WeightRows rows = WeightRows::contiguous(panel.data(), r1 - r0, k);
      weight_gemm(m, a, k, rows, bias ? bias + r0 : nullptr, out + r0, n, /*parallel=*/false);
    }
  }
}

}  // namespace

QuantIsa usable_quant_isa(QuantIsa want) {
  static const QuantIsa best = cpu_has_vnni() ? QuantIsa::Avx512Vnni : cpu_has_avx2() ? QuantIsa::Avx2 : QuantIsa::Generic;
  if (want == QuantIsa::Best) return best;
  if (want == QuantIsa::Avx512Vnni && best != QuantIsa::Avx512Vnni) return best;
  if (want == QuantIsa::Avx2 && best == QuantIsa::Generic) return best;
  return want;
}

const char* quant_isa_name(QuantIsa isa) {
  switch (usable_quant_isa(isa)) {
    case QuantIsa::Avx512Vnni: return "avx512vnni";
    case QuantIsa::Avx2: return "avx2";
    default: return "generic";
  }
}

__attribute__((target("f16c,avx"))) static void round_to_f16_f16c(const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
  for (; i < n; ++i) out[i] = f16_to_f32(f32_to_f16(x[i]));
}

void round_to_f16(const float* x, float* out, int64_t n) {
  // F16C read from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports has no "f16c".
  static const bool f16c = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    __builtin_cpu_init();
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) && __builtin_cpu_supports("avx");
  }();
  if (f16c) return round_to_f16_f16c(x, out, n);
  for (int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(f32_to_f16(x[i]));
}

__attribute__((target("avx512f,avx512bw"))) static void int8_quantize_rows_avx512(int64_t m, int64_t k,
                                                                                   const float* a, int8_t* q,
                                                                                   float* absmax) {
  const int64_t kv = k / 16 * 16;
  for (int64_t i = 0; i < m; ++i) {
    const float* row = a + i * k;
    __m512 mx = _mm512_setzero_ps();
    for (int64_t c = 0; c < kv; c += 16) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_loadu_ps(row + c)));
    float am = _mm512_reduce_max_ps(mx);
    for (int64_t c = kv; c < k; ++c) am = std::max(am, std::fabs(row[c]));
    absmax[i] = am;
    int8_t* out = q + i * k;
    if (!(am > 0.0f)) {
      std::fill(out, out + k, int8_t{0});
      continue;
    }
    const float s = 127.0f / am;
    const __m512 scale = _mm512_set1_ps(s);
    // cvtps_epi32 rounds half to even (the default MXCSR mode), as torch.round.
    for (int64_t c = 0; c < kv; c += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c),
                       _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(row + c), scale))));
    for (int64_t c = kv; c < k; ++c) out[c] = static_cast<int8_t>(std::nearbyint(row[c] * s));
  }
}

void int8_quantize_rows(int64_t m, int64_t k, const float* a, int8_t* q, float* absmax) {
  if (cpu_has_vnni()) return int8_quantize_rows_avx512(m, k, a, q, absmax);
  for (int64_t i = 0; i < m; ++i) {
    const float* row = a + i * k;
    float am = 0.0f;
    for (int64_t c = 0; c < k; ++c) am = std::max(am, std::fabs(row[c]));
    absmax[i] = am;
    const float s = 127.0f / am;
    for (int64_t c = 0; c < k; ++c) q[i * k + c] = am > 0.0f ? static_cast<int8_t>(std::nearbyint(row[c] * s)) : int8_t{0};
  }
}

void int8_row_sums(const int8_t* w, int64_t n, int64_t k, int32_t* sums) {
  for (int64_t j = 0; j < n; ++j) {
    int32_t s = 0;
    for (int64_t p = 0; p < k; ++p) s += w[j * k + p];
    sums[j] = s;
  }
}

void int8_gemm(int64_t m, int64_t n, int64_t k, const int8_t* a, const float* a_scale, const int8_t* w,
               const int32_t* w_row_sums, const float* w_scale, const float* bias, float* out, QuantIsa want,
               bool parallel) {
  if (m <= 0 || n <= 0) return;
  const QuantIsa isa = usable_quant_isa(want);
  if (isa == QuantIsa::Avx512Vnni) {
    // vpdpbusd multiplies unsigned by signed bytes: A + 128, corrected by 128 * sum(W row).
    std::vector<uint8_t> au(static_cast<size_t>(m * k));
    for (int64_t i = 0; i < m * k; ++i) au[i] = static_cast<uint8_t>(a[i] + 128);
    over_weight_tiles(n, parallel, m * n * k, [&](int64_t n0, int64_t n1) {
      int8_vnni(m, n0, n1, k, au.data(), a_scale, w, w_row_sums, w_scale, bias, out, n);
    });
  } else if (isa == QuantIsa::Avx2) {
    over_weight_tiles(n, parallel, m * n * k, [&](int64_t n0, int64_t n1) {
      int8_avx2(m, n0, n1, k, a, a_scale, w, w_scale, bias, out, n);
    });
  } else {
    over_weight_tiles(n, parallel, m * n * k, [&](int64_t n0, int64_t n1) {
      int8_generic(m, n0, n1, k, a, a_scale, w, w_scale, bias, out, n);
    });
  }
}

void fourbit_gemm(int64_t m, int64_t n, int64_t k, const float* a, const uint8_t* packed, const float* code16,
                  const float* absmax, int64_t blocksize, const float* bias, float* out, QuantIsa want,
                  bool parallel) {
  if (m <= 0 || n <= 0) return;
  QuantIsa isa = usable_quant_isa(want);
  if (k % 16 != 0 || blocksize % 16 != 0) isa = QuantIsa::Generic;
  // From a few rows on, decoding each weight once beats decoding it per 4-row tile.
  if (m >= kPanelMinRows && isa != QuantIsa::Generic) {
    fourbit_gemm_panels(m, n, k, a, packed, code16, absmax, blocksize, bias, out, isa == QuantIsa::Avx512Vnni,
                        parallel);
    return;
  }
  over_weight_tiles(n, parallel, m * n * k, [&](int64_t n0, int64_t n1) {
    if (isa == QuantIsa::Avx512Vnni)
      fourbit_avx512(m, n0, n1, k, a, packed, code16, absmax, blocksize, bias, out, n);
    else if (isa == QuantIsa::Avx2)
      fourbit_avx2(m, n0, n1, k, a, packed, code16, absmax, blocksize, bias, out, n);
    else
      fourbit_generic(m, n0, n1, k, a, packed, code16, absmax, blocksize, bias, out, n);
  });
}

}  // namespace cuddle::kernels
