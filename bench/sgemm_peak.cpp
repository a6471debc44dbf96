// Measures the machine's sustained single-precision GEMM rate through OpenBLAS, the
// denominator for "fraction of peak" figures in docs/performance.md.
// usage: sgemm_peak [threads]   (prints JSON)
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  double best_overall = 0;
  std::printf("{\"threads\": %d, \"sizes\": [", threads);
  bool first = true;
  for (int n : {512, 1024, 2048}) {
    std::vector<float> a(size_t(n) * n, 0.5f), b(size_t(n) * n, 0.25f), c(size_t(n) * n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    double gflops = 2.0 * n * n * double(n) / best / 1e9;
    best_overall = std::max(best_overall, gflops);
    std::printf("%s{\"n\": %d, \"gflops\": %.1f}", first ? "" : ", ", n, gflops);
    first = false;
  }
  std::printf("], \"peak_gflops\": %.1f}\n", best_overall);
}
