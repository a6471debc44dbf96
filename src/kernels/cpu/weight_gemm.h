// Single-precision GEMM against a Linear weight read where it lies:
//   C[m, n] = act(sum_k A[m, k] * W[n, k] + bias[n])
// W is a PyTorch Linear weight ([out_features, in_features], rows of k contiguous floats),
// normally still in the mmap'd checkpoint, so loading copies nothing. The micro-kernels
// broadcast W values straight from MR of its rows and multiply them with the activations,
// which are packed on every call into k-major panels of TW rows: at inference the
// activations are the small operand (and a BLAS packs an operand per call anyway). Every
// tile is written to C once, transposed from its weight-row-major registers. Tiles:
// AVX-512 6 weight rows x 64 activation rows, AVX2+FMA 6 x 16, chosen at run time; a
// portable loop otherwise.
#pragma once
#include <cstdint>
#include <vector>

#include "cuddle/activation.h"
#include "kernels/cpu/gemm_isa.h"

namespace cuddle::kernels {

class WeightRows {
 public:
  WeightRows() = default;
  // Row i of W starts at rows[i] (k floats each); the rows may come from several tensors
  // (a fused Q|K|V projection). Nothing is copied: the memory must outlive this object.
  // Asking for an ISA the CPU lacks falls back to the best available.
  WeightRows(const std::vector<const float*>& rows, int64_t k, GemmIsa isa = GemmIsa::Best);
  // w: [n, k] row-major.
  static WeightRows contiguous(const float* w, int64_t n, int64_t k, GemmIsa isa = GemmIsa::Best);
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  GemmIsa isa() const { return isa_; }
  // MR row pointers of micro-panel q; a last partial panel repeats its last row.
  const float* const* panel(int64_t q) const { return rows_.data() + q * mr_; }
  const float* const* row_pointers() const { return rows_.data(); }

 private:
  std::vector<const float*> rows_;  // n rows padded to a multiple of mr_
  int64_t n_ = 0, k_ = 0, mr_ = 1;
  GemmIsa isa_ = GemmIsa::Generic;
};

// C (m x n, leading dimension ldc) = act(A (m x k, lda) * W^T (+ bias if not null)).
// Runs on the OpenMP thread pool; must not be called from inside a parallel region unless
// `parallel` is false. Results are deterministic for a given row count and thread count.
void weight_gemm(int64_t m, const float* a, int64_t lda, const WeightRows& w, const float* bias, float* c,
                 int64_t ldc, bool parallel = true, Activation act = Activation::Identity);

}  // namespace cuddle::kernels
