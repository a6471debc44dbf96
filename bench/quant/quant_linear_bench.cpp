// Quantized Linear layers against cuddle's f32 Linear on bert-base's four shapes, at batch 1
// (128 rows) and batch 8 (1024 rows): f32 (ops::LinearWeight), LLM.int8 (threshold 6, no
// outliers in these inputs) and nf4 with double quantisation. The three run in turn, round
// after round, so a busy minute of a shared machine lands on all of them; medians and the
// ratios to f32 are printed (docs/performance.md). Speed is measured, never asserted.
// usage: quant_linear_bench [threads] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cuddle/ops.h"
#include "cuddle/quant.h"
#include "cuddle/threading.h"

using namespace cuddle;

namespace {
double now_ms() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
Tensor noise(int64_t rows, int64_t cols, uint32_t seed, float scale) {
  std::vector<float> v(rows * cols);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = (float(seed >> 8) / float(1 << 24) - 0.5f) * 2.0f * scale;
  }
  return Tensor::from_vector(v, {rows, cols});
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) set_num_threads(std::atoi(argv[1]));
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  struct Case { int64_t n, k; const char* what; };
  const Case cases[] = {{768, 768, "attention q/k/v/out"}, {3072, 768, "ffn in"}, {768, 3072, "ffn out"}};
  quant::BitsAndBytesConfig nf4;
  nf4.load_in_4bit = true;
  std::printf("threads %d, rounds %d\n", num_threads(), rounds);
  for (const int64_t m : {int64_t{128}, int64_t{1024}}) {
    for (const Case& c : cases) {
      const Tensor w = noise(c.n, c.k, 1, 0.05f), x = noise(m, c.k, 2, 1.0f), bias = noise(1, c.n, 3, 0.1f).reshape({c.n});
      const ops::LinearWeight f32(w);
      const auto i8 = quant::make_quantized_linear(quant::quantize_int8(w), 6.0f);
      const auto q4 = quant::make_quantized_linear(quant::quantize_4bit(w, quant::FourBitType::NF4, true));
      std::vector<double> t_f32, t_i8, t_q4;
      auto time = [](auto&& f) {
        const double t0 = now_ms();
        f();
        return now_ms() - t0;
      };
      for (int r = 0; r <= rounds; ++r) {  // round 0 warms up
        const double a = time([&] { ops::linear(x, f32, bias); });
        const double b = time([&] { i8->forward(x, bias, Activation::Identity); });
        const double q = time([&] { q4->forward(x, bias, Activation::Identity); });
        if (r == 0) continue;
        t_f32.push_back(a), t_i8.push_back(b), t_q4.push_back(q);
      }
      const double f = median(t_f32), b = median(t_i8), q = median(t_q4);
      std::printf("m %4lld %-20s [%lld x %lld]  f32 %8.3f ms  int8 %8.3f ms (%.2fx)  nf4 %8.3f ms (%.2fx)\n",
                  static_cast<long long>(m), c.what, static_cast<long long>(c.n), static_cast<long long>(c.k), f, b,
                  b / f, q, q / f);
    }
  }
  return 0;
}
