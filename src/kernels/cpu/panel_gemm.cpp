#include "kernels/cpu/panel_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/pack_kmajor.h"

namespace cuddle::kernels {

namespace {

using Isa = GemmIsa;

// Tile sizes per ISA: MR rows of A (at most kMaxMr) x NR columns of W per micro-kernel call.
constexpr int64_t kMaxMr = 12;

// K is processed in blocks so the A micro-panel and the W sub-panel stay in L1/L2.
constexpr int64_t kKc = 256;
// About this many rows of A per outer block at most (balanced_block rounds up to MR), so
// the packed A block (kMc x kKc floats, 256 KB) stays in L2.
constexpr int64_t kMc = 256;

// Rows per A block for `rows` rows: at most kMc, the blocks as even as MR allows. Every
// block streams all of W once, so 197 rows (a ViT sequence) run as one block, not as
// 192 + a 5-row block that would read W again for almost no work.
int64_t balanced_block(int64_t rows, int64_t mr) {
  const int64_t blocks = (rows + kMc - 1) / kMc;
  const int64_t per_block = (rows + blocks - 1) / blocks;
  return (per_block + mr - 1) / mr * mr;
}

// Packs rows [m0, m0+mc) x columns [k0, k0+kc) of A into MR-row micro-panels stored
// k-major (ap[p][k][i]), zero-padding the last panel's missing rows.
void pack_a(const float* a, int64_t lda, int64_t m0, int64_t mc, int64_t m, int64_t k0, int64_t kc,
            int64_t mr, Isa isa, float* ap) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    const float* rows[kMaxMr];
    for (int64_t i = 0; i < mr; ++i) {
      const int64_t row = m0 + i0 + i;
      rows[i] = i0 + i < mc && row < m ? a + row * lda + k0 : nullptr;
    }
    pack_kmajor(rows, mr, kc, isa, ap + (i0 / mr) * kc * mr);
  }
}

// C tile (rows x cols valid of an MR x NR tile) += / = A micro-panel * W sub-panel.
// `init`: the first K block; the tile starts from bias (or zero) instead of C.
__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* ap, const float* bp,
                                                      float* c, int64_t ldc, int64_t rows,
                                                      int64_t cols, bool init, const float* bias) {
  __m512 acc[12][2];
  if (init) {
    __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
    if (bias) {
      __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
      __mmask16 m1 = cols >= 32 ? 0xffff : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
      b0 = _mm512_maskz_loadu_ps(m0, bias);
      b1 = _mm512_maskz_loadu_ps(m1, bias + 16);
    }
    for (int i = 0; i < 12; ++i) acc[i][0] = b0, acc[i][1] = b1;
  } else {
    for (int i = 0; i < 12; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 w0 = _mm512_loadu_ps(bp + k * 32);
    __m512 w1 = _mm512_loadu_ps(bp + k * 32 + 16);
    const float* ak = ap + k * 12;
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) {
      __m512 av = _mm512_set1_ps(ak[i]);
      acc[i][0] = _mm512_fmadd_ps(av, w0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, w1, acc[i][1]);
    }
  }
  __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  __mmask16 m1 = cols >= 32 ? 0xffff : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
  for (int64_t i = 0; i < rows; ++i) {
    float* ci = c + i * ldc;
    if (!init) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(m0, ci));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(m1, ci + 16));
    }
    _mm512_mask_storeu_ps(ci, m0, acc[i][0]);
    _mm512_mask_storeu_ps(ci + 16, m1, acc[i][1]);
  }
}

__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* ap, const float* bp,
                                                    float* c, int64_t ldc, int64_t rows,
                                                    int64_t cols, bool init, const float* bias) {
  __m256 acc[6][2];
  float tmp_bias[16] = {0};
  if (init && bias)
    for (int64_t j = 0; j < std::min<int64_t>(cols, 16); ++j) tmp_bias[j] = bias[j];
  __m256 b0 = _mm256_loadu_ps(tmp_bias), b1 = _mm256_loadu_ps(tmp_bias + 8);
  for (int i = 0; i < 6; ++i) acc[i][0] = b0, acc[i][1] = b1;
  if (!init)
    for (int i = 0; i < 6; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 w0 = _mm256_loadu_ps(bp + k * 16);
    __m256 w1 = _mm256_loadu_ps(bp + k * 16 + 8);
    const float* ak = ap + k * 6;
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      __m256 av = _mm256_broadcast_ss(ak + i);
      acc[i][0] = _mm256_fmadd_ps(av, w0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, w1, acc[i][1]);
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    float* ci = c + i * ldc;
    if (cols == 16) {
      if (!init) {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(ci));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(ci + 8));
      }
      _mm256_storeu_ps(ci, acc[i][0]);
      _mm256_storeu_ps(ci + 8, acc[i][1]);
    } else {
      float t[16];
      _mm256_storeu_ps(t, acc[i][0]);
      _mm256_storeu_ps(t + 8, acc[i][1]);
      for (int64_t j = 0; j < cols; ++j) ci[j] = init ? t[j] : ci[j] + t[j];
    }
  }
}

void kernel_generic(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                    int64_t rows, int64_t cols, bool init, const float* bias) {
  constexpr int64_t mr = 6, nr = 16;
  float acc[mr][nr];
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) acc[i][j] = init && bias && j < cols ? bias[j] : 0.f;
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) acc[i][j] += ap[k * mr + i] * bp[k * nr + j];
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) c[i * ldc + j] = init ? acc[i][j] : c[i * ldc + j] + acc[i][j];
}

using Kernel = void (*)(int64_t, const float*, const float*, float*, int64_t, int64_t, int64_t, bool,
                        const float*);

Kernel kernel_for(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return kernel_avx512;
    case Isa::Avx2: return kernel_avx2;
    default: return kernel_generic;
  }
}

}  // namespace

int64_t weight_panel_width(GemmIsa isa) { return isa == Isa::Avx512 ? 32 : 16; }

int64_t panel_row_tile(GemmIsa isa) { return isa == Isa::Avx512 ? 12 : 6; }

void pack_weight_panels(const float* const* rows, int64_t n, int64_t k, GemmIsa isa, int64_t p0, int64_t p1,
                        float* dst) {
  const int64_t nr = weight_panel_width(isa);
  for (int64_t p = p0; p < p1; ++p) {
    const float* panel_rows[32];
    for (int64_t j = 0; j < nr; ++j) panel_rows[j] = p * nr + j < n ? rows[p * nr + j] : nullptr;
    pack_kmajor(panel_rows, nr, k, isa, dst + (p - p0) * k * nr);
  }
}

void gemm_rows_against_panels(int64_t r0, int64_t r1, const float* a, int64_t lda, const float* panels, int64_t n,
                              int64_t k, GemmIsa isa, const float* bias, float* c, int64_t ldc, Activation act) {
  const int64_t nr = weight_panel_width(isa), mr = panel_row_tile(isa);
  const Kernel kernel = kernel_for(isa);
  const int64_t npanels = (n + nr - 1) / nr;
  const int64_t block = balanced_block(r1 - r0, mr);
  std::vector<float> apack(static_cast<size_t>(block * std::min(kKc, k)));
  for (int64_t m0 = r0; m0 < r1; m0 += block) {
    const int64_t mc = std::min(block, r1 - m0), mpanels = (mc + mr - 1) / mr;
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      pack_a(a, lda, m0, mc, r1, k0, kc, mr, isa, apack.data());
      // C[m0:m0+mc, all panels] (+)= the packed A block x the panels' K range [k0, k0+kc).
      for (int64_t p = 0; p < npanels; ++p) {
        const float* bp = panels + p * k * nr + k0 * nr;
        const int64_t cols = std::min(nr, n - p * nr);
        const float* pb = bias ? bias + p * nr : nullptr;
        for (int64_t ip = 0; ip < mpanels; ++ip) {
          const int64_t rows = std::min(mr, mc - ip * mr);
          float* tile = c + (m0 + ip * mr) * ldc + p * nr;
          kernel(kc, apack.data() + ip * kc * mr, bp, tile, ldc, rows, cols, k0 == 0, pb);
          if (act != Activation::Identity && k0 + kc == k)
            for (int64_t i = 0; i < rows; ++i) activation(act, tile + i * ldc, cols);
        }
      }
    }
  }
}

}  // namespace cuddle::kernels
