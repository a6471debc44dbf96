// Single-precision GEMM against a weight matrix packed once at load time:
//   C[m, n] = sum_k A[m, k] * W[n, k] (+ bias[n])
// W is a PyTorch Linear weight ([out_features, in_features], row-major). Packing it into
// column panels up front removes the per-call packing a BLAS does, which dominates at the
// small M (tokens in a batch) that inference runs at. Micro-kernels: AVX-512 (12x32 tile)
// and AVX2+FMA (6x16 tile), chosen at run time; a portable loop otherwise.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "cuddle/activation.h"

namespace cuddle::kernels {

// Micro-kernel family; Best picks the widest the CPU supports. Tests force each one.
enum class GemmIsa { Best, Avx512, Avx2, Generic };

class PackedWeight {
 public:
  PackedWeight() = default;
  // Packs w ([n, k] row-major). The packed copy is independent of w afterwards.
  // Asking for an ISA the CPU lacks falls back to the best available.
  PackedWeight(const float* w, int64_t n, int64_t k, GemmIsa isa = GemmIsa::Best);
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  bool empty() const { return n_ == 0; }
  int64_t nr() const { return nr_; }
  GemmIsa isa() const { return isa_; }
  const float* panel(int64_t p) const { return data_.get() + p * k_ * nr_; }

 private:
  int64_t n_ = 0, k_ = 0, nr_ = 0;
  GemmIsa isa_ = GemmIsa::Generic;
  std::shared_ptr<float[]> data_;
};

// C (m x n, leading dimension ldc) = act(A (m x k, lda) * W^T (+ bias if not null)).
// The activation runs on each output tile right after its last K block, while it is in L1.
// Runs on the OpenMP thread pool; must not be called from inside a parallel region unless
// `parallel` is false.
void packed_gemm(int64_t m, const float* a, int64_t lda, const PackedWeight& w, const float* bias,
                 float* c, int64_t ldc, bool parallel = true,
                 Activation act = Activation::Identity);

// The widest micro-kernel this CPU runs, and its name ("avx512", "avx2", "generic").
GemmIsa best_gemm_isa();
const char* gemm_isa_name(GemmIsa isa);

}  // namespace cuddle::kernels
