// Model benchmark: load time, forward latency per batch size, throughput as a fraction of
// the machine's measured sgemm and FMA peaks, peak resident memory. What `cuddle bench model` runs;
// the ONNX Runtime comparison around it is bench/model_vs_ort.sh (docs/performance.md).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/models.h"

namespace cuddle {

struct ModelBenchOptions {
  int64_t seq = 128;
  std::vector<int64_t> batches = {1, 8};
  // Timed runs per batch size after one warm-up; 0 picks 15 for batch 1 and 4 above,
  // the counts the ONNX Runtime anchor uses.
  int reps = 0;
  // A reference.safetensors (inputs + transformers' logits): checked first, and its first
  // row is the timed input (as the anchor does) when its length equals `seq`.
  std::string check_reference;
  bool measure_peak = true;
  // Loads the model folder; unset: load_model_from_architectures. `cuddle bench model`
  // passes a quantizing loader (src/quant) for its bitsandbytes flags.
  std::function<std::unique_ptr<PreTrainedModel>(const std::string&)> load;
};

struct BatchTiming {
  int64_t batch = 0;
  int reps = 0;
  double median_ms = 0, min_ms = 0;
  double gflops = 0;  // at the median
};

struct ModelBenchResult {
  std::string model_class;
  int threads = 0;
  std::string gemm_isa;
  double load_ms = 0;     // config + mmap + strict load + GEMM weight set-up
  double first_forward_ms = 0;  // the first forward pass after loading (faults weights in)
  double weights_mb = 0;  // parameters as f32
  double stored_weights_mb = 0;  // what the loaded model holds (quantized layers: their own bytes)
  double gflop_per_sequence = 0;
  double peak_gflops = 0;  // measured sgemm peak on the same threads (0: not measured)
  double fma_peak_gflops = 0;  // the cores' register-only FMA rate, the hardware ceiling (0: not measured)
  std::optional<double> check_max_abs_diff;
  std::vector<BatchTiming> results;
  double peak_rss_mb = 0;
};

ModelBenchResult bench_model(const std::string& dir, const ModelBenchOptions& options);

}  // namespace cuddle
