#include "kernels/cpu/weight_gemm.h"

#include <omp.h>

#include <algorithm>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/pack_kmajor.h"
#include "kernels/cpu/weight_gemm_tiles.h"

namespace cuddle::kernels {

namespace {

// Packs columns [k0, k0 + kc) of activation rows [r0, r0 + count) (count <= tw) into a
// k-major panel, dst[kk * tw + j] = a[(r0 + j) * lda + k0 + kk], zero-filling rows past count.
void pack_panel(const float* a, int64_t lda, int64_t r0, int64_t count, int64_t k0, int64_t kc, int64_t tw, GemmIsa isa,
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
// short, slow tile: 208 rows run as 64 + 48 + 48 + 48, not as 64 + 64 + 64 + a one-vector
// panel whose tile has too few accumulators to keep the FMA units busy.
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
