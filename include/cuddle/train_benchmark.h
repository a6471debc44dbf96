// Training benchmark: one full fine-tuning step (forward with loss, backward, gradient
// clipping, AdamW) of a model folder, against the forward alone; what `cuddle bench train`
// runs. The PyTorch anchor is ../shared/anchors/torch_train_anchor.py (docs/performance.md).
#pragma once
#include <cstdint>
#include <string>

namespace cuddle {

struct TrainBenchOptions {
  int64_t seq = 128;
  int64_t batch = 8;
  int steps = 5;             // timed steps after one warm-up step
  std::string task;          // "" = the folder's architectures[0]
  bool measure_peak = true;  // measure the machine's FMA peak for fraction_of_fma_peak
};

struct TrainBenchResult {
  std::string model_class;
  int threads = 0;
  double forward_ms = 0;             // eval-mode forward, no tape, median of 3
  double train_step_median_ms = 0;   // forward + backward + clip + AdamW
  double backward_ms = 0;            // median of the backward alone
  double gflop_per_step = 0;         // 3x the forward's (forward, input and weight gradients)
  double fma_peak_gflops = 0;
  double fraction_of_fma_peak = 0;   // of the whole step
  double peak_rss_mb = 0;
  int64_t trainable_params = 0;
};

TrainBenchResult bench_train(const std::string& dir, const TrainBenchOptions& options);

}  // namespace cuddle
