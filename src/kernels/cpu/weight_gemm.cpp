#include "kernels/cpu/weight_gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/pack_kmajor.h"
#include "kernels/cpu/transpose_avx512.h"

namespace cuddle::kernels {

namespace {

using Isa = GemmIsa;

// The largest micro-panel height (MR) and activation panel width (TW) of any ISA.
constexpr int64_t kMaxMr = 6, kMaxTw = 64;

// A tile over one K block: t[i * tw + j] = start + sum_{kk < kc} wr[i][k0 + kk] * bp[kk * tw + j]
// for the MR weight rows wr and the first NV vectors of each k-row of the packed activation
// panel bp, where start is t's own value (`accumulate`, a later K block) or bias[i].
// kPrefetch: also brings the same K block of the next micro-panel's rows (next) into L2.
// Weight rows come from memory as MR separate streams, more than the hardware prefetcher
// follows well, so the first tile of each micro-panel fetches the next one's.
using Tile = void (*)(int64_t k0, int64_t kc, const float* const* wr, const float* const* next, const float* bp,
                      int64_t tw, const float* bias, bool accumulate, float* t);

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

// The tiles of one ISA: MR weight rows by 1 .. max_nv vectors of `lanes` activation rows,
// so an activation panel is tw = lanes * max_nv rows wide and a last, narrower panel runs
// only the vectors it fills; [nv - 1][kPrefetch] as above.
constexpr int kMaxNv = 4, kMaxDotRows = 4;
using Dot = void (*)(const float* const* wr, const float* const* ar, int64_t k, float* out);
struct IsaTiles {
  int64_t mr, lanes, max_nv;
  Tile by_vectors[kMaxNv][2];
  void (*store)(const float* t, int64_t tw, int64_t rows, int64_t cols, float* c, int64_t ldc);
  // Dot products of 1 .. max_dot_rows activation rows; a last partial vector of at most
  // dot_tail rows goes to them instead of being padded to a whole vector.
  int64_t max_dot_rows, dot_tail;
  Dot dot[kMaxDotRows];
  int64_t tw() const { return lanes * max_nv; }
};

const IsaTiles& tiles_for(Isa isa) {
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
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: return generic;
  }
}

// Packs columns [k0, k0 + kc) of activation rows [r0, r0 + count) (count <= tw) into a
// k-major panel, dst[kk * tw + j] = a[(r0 + j) * lda + k0 + kk], zero-filling rows past count.
void pack_panel(const float* a, int64_t lda, int64_t r0, int64_t count, int64_t k0, int64_t kc, int64_t tw, Isa isa,
                float* dst) {
  const float* rows[kMaxTw];
  for (int64_t j = 0; j < tw; ++j) rows[j] = j < count ? a + (r0 + j) * lda + k0 : nullptr;
  pack_kmajor(rows, tw, kc, isa, dst);
}

// Per-thread buffers, grown as needed and kept, as every call packs: kPackedSlot holds
// the packed activations, kPartialSlot the partial sums of tiles between K blocks.
constexpr int kPackedSlot = 0, kPartialSlot = 1;
float* scratch_floats(int slot, size_t n) {
  thread_local std::vector<float> buffers[2];
  if (buffers[slot].size() < n) buffers[slot].resize(n);
  return buffers[slot].data();
}

// Activation panels run in groups of about this many rows against each weight micro-panel:
// the group's packed K block stays in L2 while the micro-panel, read from L3 or memory once
// per group, stays in L1 across the group's tiles.
constexpr int64_t kGroupRows = 128;

// K block for a group of `rows` activation rows: the packed group block (rows x kc) should
// fit a 1 MB L2 with room to spare (768 KB: bert-base's and ViT-base's K = 768 then run as
// one block, which measured fastest); blocks of equal size, a multiple of 16, none under
// 256 so carrying partial sums between blocks stays cheap.
int64_t k_block(int64_t rows, int64_t k) {
  constexpr int64_t kPackedBlockFloats = 192 * 1024, kMinBlock = 256;
  const int64_t most = std::max(kMinBlock, kPackedBlockFloats / rows);
  if (k <= most) return k;
  const int64_t blocks = (k + most - 1) / most;
  return ((k + blocks - 1) / blocks + 15) / 16 * 16;
}

}  // namespace

WeightRows::WeightRows(const std::vector<const float*>& rows, int64_t k, GemmIsa isa)
    : n_(static_cast<int64_t>(rows.size())), k_(k), mr_(tiles_for(usable_gemm_isa(isa)).mr), isa_(usable_gemm_isa(isa)) {
  rows_ = rows;
  if (n_ > 0)
    while (static_cast<int64_t>(rows_.size()) % mr_) rows_.push_back(rows.back());
}

WeightRows WeightRows::contiguous(const float* w, int64_t n, int64_t k, GemmIsa isa) {
  std::vector<const float*> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = w + i * k;
  return WeightRows(rows, k, isa);
}

namespace {

// One weight_gemm call's tiling: weight micro-panels of mr rows, K blocks of kc, and
// activation panels of at most tw rows, run in groups of `group`. A last partial vector of
// at most tiles.dot_tail rows (`tail`) runs as dot products (run_tail) instead of padded.
// The panels split the other rows as evenly as whole vectors allow, so that no panel is a
// short, slow tile: 200 rows run as 64 + 48 + 48 + 40, not as 64 + 64 + 64 + 8.
struct Plan {
  int64_t m, n, k;
  const IsaTiles& tiles;
  int64_t mr, tw, tail, vectors, tpanels, wpanels, group, kc;
  Plan(int64_t m_, const WeightRows& w)
      : m(m_), n(w.n()), k(w.k()), tiles(tiles_for(w.isa())), mr(tiles.mr), tw(tiles.tw()),
        tail(m % tiles.lanes <= tiles.dot_tail ? m % tiles.lanes : 0),
        vectors((m - tail + tiles.lanes - 1) / tiles.lanes), tpanels((vectors + tiles.max_nv - 1) / tiles.max_nv),
        wpanels((n + mr - 1) / mr), group(std::max<int64_t>(1, kGroupRows / tw)),
        kc(k_block(std::max<int64_t>(1, std::min(tpanels, group)) * tw, k)) {}
  int64_t tile_floats() const { return mr * tw; }
  // First row and width (a whole number of vectors) of activation panel p, and how many of
  // its rows exist.
  int64_t panel_row(int64_t p) const {
    return tiles.lanes * (p * (vectors / tpanels) + std::min(p, vectors % tpanels));
  }
  int64_t panel_width(int64_t p) const { return tiles.lanes * (vectors / tpanels + (p < vectors % tpanels ? 1 : 0)); }
  int64_t panel_rows(int64_t p) const { return std::min(panel_width(p), m - tail - panel_row(p)); }
};

// The operands of one weight_gemm call.
struct Operands {
  const float* a;
  int64_t lda;
  const WeightRows& w;
  const float* bias;
  float* c;
  int64_t ldc;
  Activation act;
};

// The tail rows [m - tail, m) of C against micro-panel q, with bias and activation.
void run_tail(const Plan& plan, const Operands& op, int64_t q) {
  const IsaTiles& tiles = plan.tiles;
  const int64_t mr = plan.mr, rows = std::min(mr, plan.n - q * mr);
  for (int64_t r0 = plan.m - plan.tail; r0 < plan.m; r0 += tiles.max_dot_rows) {
    const int64_t na = std::min(tiles.max_dot_rows, plan.m - r0);
    const float* ar[kMaxDotRows];
    for (int64_t i = 0; i < na; ++i) ar[i] = op.a + (r0 + i) * op.lda;
    float out[kMaxDotRows * kMaxMr];
    tiles.dot[na - 1](op.w.panel(q), ar, plan.k, out);
    for (int64_t i = 0; i < na; ++i) {
      float* ci = op.c + (r0 + i) * op.ldc + q * mr;
      for (int64_t j = 0; j < rows; ++j) ci[j] = out[i * mr + j] + (op.bias ? op.bias[q * mr + j] : 0.f);
      activation(op.act, ci, rows);
    }
  }
}

// Micro-panels [q0, q1) against the packed activation panels [p0, p1) (one group at most;
// panel p at packed + (p - p0) * tw * kcur, rows of its own width) over K block [k0, k0 +
// kcur). Tiles carry their partial sums between K blocks in slot (q - q0) * stride + (p -
// p0) of `partial`, unless there is one block. After the last block each tile goes to C,
// transposed, with the activation applied; with `tail_here` the tail rows follow each
// micro-panel while its weight rows are still in cache.
struct PartialSums {
  float* slots;     // null: one K block, no partial sums
  int64_t stride;   // slots per micro-panel
};
void run_group(const Plan& plan, const Operands& op, int64_t q0, int64_t q1, int64_t p0, int64_t p1,
               const float* packed, int64_t k0, int64_t kcur, PartialSums partial, bool tail_here) {
  const IsaTiles& tiles = plan.tiles;
  const int64_t mr = plan.mr, tw = plan.tw;
  const bool last = k0 + kcur == plan.k;
  alignas(64) float local[kMaxMr * kMaxTw];
  for (int64_t q = q0; q < q1; ++q) {
    float b[kMaxMr] = {};
    const int64_t rows = std::min(mr, plan.n - q * mr);
    if (op.bias) std::copy(op.bias + q * mr, op.bias + q * mr + rows, b);
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t width = plan.panel_width(p), nv = width / tiles.lanes;
      float* t = partial.slots ? partial.slots + ((q - q0) * partial.stride + p - p0) * plan.tile_floats() : local;
      // The first panel's tile also prefetches the next micro-panel's rows.
      const bool prefetch = p == p0 && q + 1 < q1;
      tiles.by_vectors[nv - 1][prefetch](k0, kcur, op.w.panel(q), op.w.panel(prefetch ? q + 1 : q),
                                         packed + (p - p0) * tw * kcur, width, b, k0 > 0, t);
      if (!last) continue;
      if (op.act != Activation::Identity)
        for (int64_t i = 0; i < rows; ++i) activation(op.act, t + i * width, width);
      tiles.store(t, width, rows, plan.panel_rows(p), op.c + plan.panel_row(p) * op.ldc + q * mr, op.ldc);
    }
    if (last && tail_here) run_tail(plan, op, q);
  }
}

// Few rows (a short sequence): the threads pack each K block of all activation panels
// together, then each runs its share of the weight micro-panels against them.
void gemm_split_weight(const Plan& plan, const Operands& op, int threads) {
  const int64_t tw = plan.tw, tpanels = plan.tpanels, k = plan.k, kc = plan.kc;
  float* packed = scratch_floats(kPackedSlot, static_cast<size_t>(tpanels * tw * kc));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t q0 = plan.wpanels * t / nt, q1 = plan.wpanels * (t + 1) / nt;
    float* partial = kc < k ? scratch_floats(kPartialSlot, static_cast<size_t>((q1 - q0) * tpanels * plan.tile_floats()))
                            : nullptr;
    for (int64_t k0 = 0; tpanels > 0 && k0 < k; k0 += kc) {
      const int64_t kcur = std::min(kc, k - k0);
#pragma omp barrier
      // (the previous K block's panels are no longer read by any thread)
#pragma omp for schedule(static)
      for (int64_t p = 0; p < tpanels; ++p)
        pack_panel(op.a, op.lda, plan.panel_row(p), plan.panel_rows(p), k0, kcur, plan.panel_width(p), op.w.isa(),
                   packed + p * tw * kcur);
      // (implicit barrier after omp for: the block is packed)
      for (int64_t g0 = 0; g0 < tpanels; g0 += plan.group) {
        const int64_t g1 = std::min(tpanels, g0 + plan.group);
        // (a micro-panel's partial slots cover all panels: this group's start at g0)
        run_group(plan, op, q0, q1, g0, g1, packed + g0 * tw * kcur, k0, kcur,
                  {partial ? partial + g0 * plan.tile_floats() : nullptr, tpanels}, g1 == tpanels && plan.tail > 0);
      }
    }
    if (tpanels == 0)  // (only tail rows: a decoding step)
      for (int64_t q = q0; q < q1; ++q) run_tail(plan, op, q);
  }
}

// Many rows (a batch): each thread takes its own activation panels, packs them group by
// group into its own buffer and runs all of W against them: no barriers, and no packed
// data or output crosses between cores. W is read once per group and thread, which at a
// full group per thread costs less than the sharing it saves. The last thread also runs
// the tail rows, with its last group.
void gemm_split_rows(const Plan& plan, const Operands& op, int threads) {
  const int64_t tw = plan.tw, k = plan.k, kc = plan.kc;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t p0 = plan.tpanels * t / nt, p1 = plan.tpanels * (t + 1) / nt;
    float* packed = scratch_floats(kPackedSlot, static_cast<size_t>(plan.group * tw * kc));
    float* partial =
        kc < k ? scratch_floats(kPartialSlot, static_cast<size_t>(plan.wpanels * plan.group * plan.tile_floats()))
               : nullptr;
    for (int64_t g0 = p0; g0 < p1; g0 += plan.group) {
      const int64_t g1 = std::min(p1, g0 + plan.group);
      for (int64_t k0 = 0; k0 < k; k0 += kc) {
        const int64_t kcur = std::min(kc, k - k0);
        for (int64_t p = g0; p < g1; ++p)
          pack_panel(op.a, op.lda, plan.panel_row(p), plan.panel_rows(p), k0, kcur, plan.panel_width(p), op.w.isa(),
                     packed + (p - g0) * tw * kcur);
        run_group(plan, op, 0, plan.wpanels, g0, g1, packed, k0, kcur, {partial, plan.group},
                  g1 == plan.tpanels && plan.tail > 0);
      }
    }
  }
}

}  // namespace

void weight_gemm(int64_t m, const float* a, int64_t lda, const WeightRows& w, const float* bias, float* c,
                 int64_t ldc, bool parallel, Activation act) {
  const int64_t n = w.n(), k = w.k();
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = bias ? bias[j] : 0.f;
      activation(act, c + i * ldc, n);
    }
    return;
  }
  // Small products (classifier heads, tiny models) run on one thread: a team costs more
  // than the work and, on a busy machine, a scheduler time slice.
  const bool worth_threads = m * n * k >= (int64_t{1} << 20);
  const int threads = parallel && worth_threads ? omp_get_max_threads() : 1;
  const Plan plan(m, w);
  const Operands op{a, lda, w, bias, c, ldc, act};
  if (plan.tpanels >= threads * plan.group) gemm_split_rows(plan, op, threads);
  else gemm_split_weight(plan, op, threads);
}

}  // namespace cuddle::kernels
