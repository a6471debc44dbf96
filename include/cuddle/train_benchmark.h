// Training benchmark: one full fine-tuning step (forward with loss, backward, gradient
// clipping, AdamW) of a model folder, against the forward alone; what `cuddle bench train`
// runs. The PyTorch anchor is ../shared/anchors/torch_train_anchor.py (docs/performance.md).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/optim.h"

namespace cuddle {

struct TrainBenchOptions {
  int64_t seq = 128;
  int64_t batch = 8;
  int steps = 5;             // timed steps after one warm-up step
  std::string task;          // "" = the folder's architectures[0]
  bool measure_peak = true;  // measure the machine's FMA peak for fraction_of_fma_peak
  // Makes the loaded model trainable and returns what AdamW updates. Unset: full
  // fine-tuning (make_trainable, the Trainer's decay groups). `cuddle bench train
  // --lora-r` passes peft's get_peft_model (src/peft sits above this layer).
  std::function<std::vector<training::ParamGroup>(std::shared_ptr<PreTrainedModel>)> prepare;
  // prepare() leaves the base frozen: no weight gradients, so a step is about 2x the
  // forward's FLOP rather than 3x.
  bool frozen_base = false;
};

struct TrainBenchResult {
  std::string model_class;
  int threads = 0;
  double forward_ms = 0;             // eval-mode forward, no tape, median of 3
  double prepared_forward_ms = 0;    // the same after prepare() (with unmerged adapters)
  double train_step_median_ms = 0;   // forward + backward + clip + AdamW
  double backward_ms = 0;            // median of the backward alone
  double gflop_per_step = 0;         // 3x the forward's (forward, input and weight gradients); 2x with a frozen base
  double fma_peak_gflops = 0;
  double fraction_of_fma_peak = 0;   // of the whole step
  double peak_rss_mb = 0;
  int64_t trainable_params = 0;
};

TrainBenchResult bench_train(const std::string& dir, const TrainBenchOptions& options);

}  // namespace cuddle
