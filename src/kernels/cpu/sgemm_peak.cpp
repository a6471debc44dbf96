#include "kernels/cpu/sgemm_peak.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "kernels/cpu/kernels.h"

namespace cuddle::kernels {

double measure_sgemm_peak_gflops() {
  // 2048^3 is large enough for OpenBLAS to reach its steady state on every core, small
  // enough (48 MB) to measure in well under a second.
  constexpr int64_t n = 2048;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  gemm(n, n, n, 1.f, a.data(), n, b.data(), n, false, 0.f, c.data(), n);  // warm-up
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    gemm(n, n, n, 1.f, a.data(), n, b.data(), n, false, 0.f, c.data(), n);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * n * n * double(n) / best / 1e9;
}

}  // namespace cuddle::kernels
