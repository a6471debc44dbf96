#include "kernels/cpu/packed_gemm.h"

#include "kernels/cpu/kernels.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace cuddle::kernels {

namespace {

using Isa = GemmIsa;

Isa detect_isa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
  return Isa::Generic;
}

const Isa kIsa = detect_isa();

// The requested ISA if this CPU runs it, else the best one it does.
Isa usable(Isa want) {
  if (want == Isa::Best) return kIsa;
  if (want == Isa::Avx512 && kIsa != Isa::Avx512) return kIsa;
  if (want == Isa::Avx2 && kIsa == Isa::Generic) return kIsa;
  return want;
}

// Tile sizes per ISA: MR rows of A x NR columns of W per micro-kernel call.
int64_t nr_for(Isa isa) { return isa == Isa::Avx512 ? 32 : 16; }
int64_t mr_for(Isa isa) { return isa == Isa::Avx512 ? 12 : 6; }

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
            int64_t mr, float* ap) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr) {
    float* dst = ap + (i0 / mr) * kc * mr;
    for (int64_t i = 0; i < mr; ++i) {
      int64_t row = m0 + i0 + i;
      if (i0 + i < mc && row < m) {
        const float* src = a + row * lda + k0;
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + i] = src[k];
      } else {
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + i] = 0.f;
      }
    }
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

PackedWeight::PackedWeight(const float* w, int64_t n, int64_t k, GemmIsa isa)
    : n_(n), k_(k), nr_(nr_for(usable(isa))), isa_(usable(isa)) {
  const int64_t panels = (n + nr_ - 1) / nr_;
  data_ = std::shared_ptr<float[]>(new float[static_cast<size_t>(std::max<int64_t>(panels * k * nr_, 1))]);
  float* d = data_.get();
  // Transpose each NR-row slab of W into k-major order, in k blocks so reads stay cached.
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < panels; ++p) {
    float* dst = d + p * k * nr_;
    for (int64_t k0 = 0; k0 < k; k0 += 64) {
      int64_t k1 = std::min(k, k0 + 64);
      for (int64_t j = 0; j < nr_; ++j) {
        int64_t row = p * nr_ + j;
        if (row < n) {
          const float* src = w + row * k;
          for (int64_t kk = k0; kk < k1; ++kk) dst[kk * nr_ + j] = src[kk];
        } else {
          for (int64_t kk = k0; kk < k1; ++kk) dst[kk * nr_ + j] = 0.f;
        }
      }
    }
  }
}

GemmIsa best_gemm_isa() { return kIsa; }

const char* gemm_isa_name(GemmIsa isa) {
  switch (usable(isa)) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

void packed_gemm(int64_t m, const float* a, int64_t lda, const PackedWeight& w, const float* bias,
                 float* c, int64_t ldc, bool parallel, Activation act) {
  const int64_t n = w.n(), k = w.k(), nr = w.nr();
  const Isa isa = w.isa();
  const int64_t mr = mr_for(isa);
  const Kernel kernel = kernel_for(isa);
  const int64_t panels = (n + nr - 1) / nr;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = bias ? bias[j] : 0.f;
      activation(act, c + i * ldc, n);
    }
    return;
  }
  const int64_t mc_max = balanced_block(m, mr);
  const int64_t kc_max = std::min<int64_t>(kKc, k);
  // C[m0:m0+mc, panels p0..p1) (+)= packed A block x W panels for K range [k0, k0+kc).
  auto multiply_block = [&](const float* apack, int64_t m0, int64_t mc, int64_t k0, int64_t kc, int64_t p0,
                            int64_t p1) {
    const int64_t mpanels = (mc + mr - 1) / mr;
    for (int64_t p = p0; p < p1; ++p) {
      const float* bp = w.panel(p) + k0 * nr;
      const int64_t cols = std::min(nr, n - p * nr);
      const float* pb = bias ? bias + p * nr : nullptr;
      for (int64_t ip = 0; ip < mpanels; ++ip) {
        const int64_t rows = std::min(mr, mc - ip * mr);
        float* tile = c + (m0 + ip * mr) * ldc + p * nr;
        kernel(kc, apack + ip * kc * mr, bp, tile, ldc, rows, cols, k0 == 0, pb);
        if (act != Activation::Identity && k0 + kc == k)
          for (int64_t i = 0; i < rows; ++i) activation(act, tile + i * ldc, cols);
      }
    }
  };
  // Small products (classifier heads, tiny models) run on one thread: a team costs more
  // than the work and, on a busy machine, a scheduler time slice.
  const bool worth_threads = m * n * k >= (int64_t{1} << 20);
  const int threads = parallel && worth_threads ? omp_get_max_threads() : 1;
  const int64_t row_panels = (m + mr - 1) / mr;  // of MR rows
  if (threads == 1 || m >= kMc * threads * 3 / 4) {
    // Most of a row block per thread: each takes its own rows, packs its own A
    // blocks and runs them against every W panel, with no barrier at all (waiting on the
    // slower thread at every block cost several percent of a batch-8 forward pass). With
    // fewer rows each thread would stream all of W for little work per panel, so short
    // inputs split W instead (below).
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t r0 = row_panels * t / nt * mr, r1 = std::min(m, row_panels * (t + 1) / nt * mr);
      const int64_t block = balanced_block(r1 - r0, mr);
      std::vector<float> apack(static_cast<size_t>(block * kc_max));
      for (int64_t m0 = r0; m0 < r1; m0 += block) {
        const int64_t mc = std::min(block, r1 - m0);
        for (int64_t k0 = 0; k0 < k; k0 += kKc) {
          const int64_t kc = std::min(kKc, k - k0);
          pack_a(a, lda, m0, mc, m, k0, kc, mr, apack.data());
          multiply_block(apack.data(), m0, mc, k0, kc, 0, panels);
        }
      }
    }
    return;
  }
  // Few rows (a short sequence): split the W panels instead; the threads share one packed
  // A block, each packing a share of it between barriers.
  std::vector<float> apack(static_cast<size_t>(mc_max * kc_max));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t p0 = panels * t / nt, p1 = panels * (t + 1) / nt;
    for (int64_t m0 = 0; m0 < m; m0 += mc_max) {
      const int64_t mc = std::min(mc_max, m - m0);
      const int64_t mpanels = (mc + mr - 1) / mr;
      for (int64_t k0 = 0; k0 < k; k0 += kKc) {
        const int64_t kc = std::min(kKc, k - k0);
#pragma omp barrier
#pragma omp for schedule(static)
        for (int64_t ip = 0; ip < mpanels; ++ip)
          pack_a(a, lda, m0 + ip * mr, std::min(mr, mc - ip * mr), m, k0, kc, mr, apack.data() + ip * kc * mr);
        // (implicit barrier after omp for: the block is packed)
        multiply_block(apack.data(), m0, mc, k0, kc, p0, p1);
      }
    }
  }
}

}  // namespace cuddle::kernels
