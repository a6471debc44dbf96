// The micro-kernels of weight_gemm (weight_gemm.h) and, per ISA, the table of them it runs:
// tiles that broadcast MR weight rows against packed activation panels, a transposed
// store of a finished tile into C, and dot products for the few rows that do not fill a
// vector. Kept apart from the blocking and threading in weight_gemm.cpp.
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm_isa.h"

namespace cuddle::kernels {

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

// The tiles of one ISA: MR weight rows by 1 .. max_nv vectors of `lanes` activation rows,
// so an activation panel is tw = lanes * max_nv rows wide and a last, narrower panel runs
// only the vectors it fills; [nv - 1][kPrefetch] as above.
constexpr int kMaxNv = 4, kMaxDotRows = 4;
// out[i * MR + j] = sum_k ar[i][k] * wr[j][k] for the NA activation rows ar (the table's
// entry NA - 1) and the MR weight rows wr.
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

// The table of a usable ISA (usable_gemm_isa).
const IsaTiles& tiles_for(GemmIsa isa);

}  // namespace cuddle::kernels
