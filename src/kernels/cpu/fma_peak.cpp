#include "kernels/cpu/fma_peak.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "kernels/cpu/gemm_isa.h"

namespace cuddle::kernels {

namespace {

// Twelve independent accumulator chains hide the FMA latency (4 cycles, 2 pipes on the
// cores this runs on). Each loop returns one lane of its sum so that it is not optimised away.
constexpr int kChains = 12;

__attribute__((target("avx512f"))) float chains_avx512(long iterations) {
  __m512 acc[kChains];
  const __m512 mul = _mm512_set1_ps(1.0000001f), add = _mm512_set1_ps(1e-9f);
#pragma GCC unroll 12
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (long n = 0; n < iterations; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  for (int i = 1; i < kChains; ++i) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  return _mm512_cvtss_f32(acc[0]);
}

__attribute__((target("avx2,fma"))) float chains_avx2(long iterations) {
  __m256 acc[kChains];
  const __m256 mul = _mm256_set1_ps(1.0000001f), add = _mm256_set1_ps(1e-9f);
#pragma GCC unroll 12
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  for (long n = 0; n < iterations; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
  for (int i = 1; i < kChains; ++i) acc[0] = _mm256_add_ps(acc[0], acc[i]);
  return _mm256_cvtss_f32(acc[0]);
}

}  // namespace

double measure_fma_peak_gflops() {
  const GemmIsa isa = best_gemm_isa();
  if (isa == GemmIsa::Generic) return 0.0;
  const int lanes = isa == GemmIsa::Avx512 ? 16 : 8;
  constexpr long kIterations = 10'000'000;
  double best = 1e30;
  float sink = 0.f;
  // Best of several short runs: on a shared machine a run can lose its core for a while.
  for (int rep = 0; rep < 7; ++rep) {
    const double t0 = omp_get_wtime();
#pragma omp parallel reduction(+ : sink)
    sink += isa == GemmIsa::Avx512 ? chains_avx512(kIterations) : chains_avx2(kIterations);
    best = std::min(best, omp_get_wtime() - t0);
  }
  asm volatile("" : : "x"(sink));  // the loops' results count as used: they are computed
  const double flops = 2.0 * lanes * kChains * double(kIterations) * omp_get_max_threads();
  return flops / best / 1e9;
}

}  // namespace cuddle::kernels
