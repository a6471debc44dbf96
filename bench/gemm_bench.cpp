// weight_gemm on bert-base's four Linear shapes at batch 1 (128 rows) and batch 8 (1024
// rows), ViT-base's at batch 1 (197 rows) and one-row products, as GFLOP/s, as a fraction
// of the core's FMA peak (a register-only loop of independent fused multiply-adds: what the
// hardware can do at most, not what a BLAS gets) and as the rate the weight is read at.
// Weights are cycled through 12 distinct copies, as a forward pass cycles through its layers,
// so they come from L3 or memory rather than staying cached.
// usage: gemm_bench [threads] [seconds per shape] [avx512|avx2|generic]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuddle/threading.h"
#include "kernels/cpu/fma_peak.h"
#include "kernels/cpu/weight_gemm.h"

namespace {

using cuddle::kernels::GemmIsa;
using cuddle::kernels::WeightRows;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Shape {
  int64_t m, n, k;
  const char* what;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) cuddle::set_num_threads(std::atoi(argv[1]));
  const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  const std::string isa_name = argc > 3 ? argv[3] : "best";
  GemmIsa isa = GemmIsa::Best;
  for (GemmIsa i : {GemmIsa::Avx512, GemmIsa::Avx2, GemmIsa::Generic})
    if (isa_name == cuddle::kernels::gemm_isa_name(i)) isa = i;
  const int threads = cuddle::num_threads();
  const double peak = cuddle::kernels::measure_fma_peak_gflops();
  std::printf("{\"threads\": %d, \"isa\": \"%s\", \"fma_peak_gflops\": %.1f, \"shapes\": [\n", threads,
              cuddle::kernels::gemm_isa_name(isa), peak);
  // bert-base at batch 1 and 8 (128 tokens a sequence), ViT-base at batch 1 (197 tokens),
  // and one row (a decoding step, bound by reading the weight: see weight_GBps).
  std::vector<Shape> shapes;
  for (int64_t m : {128, 1024, 197, 1})
    for (Shape s : {Shape{0, 2304, 768, "qkv"}, Shape{0, 768, 768, "attn-out"}, Shape{0, 3072, 768, "ffn-up"},
                    Shape{0, 768, 3072, "ffn-down"}}) {
      s.m = m;
      shapes.push_back(s);
    }
  constexpr int kCopies = 12;
  bool first = true;
  for (const Shape& s : shapes) {
    std::vector<float> w(static_cast<size_t>(kCopies * s.n * s.k)), a(static_cast<size_t>(s.m * s.k)),
        bias(static_cast<size_t>(s.n), 0.01f), c(static_cast<size_t>(s.m * s.n));
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 97) * 1e-3f;
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 89) * 1e-3f;
    std::vector<WeightRows> rows;
    for (int i = 0; i < kCopies; ++i) rows.push_back(WeightRows::contiguous(w.data() + i * s.n * s.k, s.n, s.k, isa));
    for (const WeightRows& r : rows) cuddle::kernels::weight_gemm(s.m, a.data(), s.k, r, bias.data(), c.data(), s.n);
    std::vector<double> times;
    const double end = now_s() + seconds;
    for (int i = 0; now_s() < end || times.size() < 5; ++i) {
      const double t0 = now_s();
      cuddle::kernels::weight_gemm(s.m, a.data(), s.k, rows[i % kCopies], bias.data(), c.data(), s.n);
      times.push_back(now_s() - t0);
    }
    std::sort(times.begin(), times.end());
    const double gflop = 2.0 * s.m * s.n * s.k / 1e9, median = times[times.size() / 2], best = times[0];
    std::printf("%s  {\"what\": \"%s\", \"m\": %ld, \"n\": %ld, \"k\": %ld, \"median_us\": %.1f, \"gflops\": %.1f, "
                "\"fraction_of_peak\": %.3f, \"best_fraction_of_peak\": %.3f, \"weight_GBps\": %.1f}",
                first ? "" : ",\n", s.what, static_cast<long>(s.m), static_cast<long>(s.n), static_cast<long>(s.k),
                median * 1e6, gflop / median, gflop / median / peak, gflop / best / peak,
                4.0 * s.n * s.k / median / 1e9);
    first = false;
  }
  std::printf("\n]}\n");
}
