// `cuddle bench model DIR [--seq N] [--batch 1,8] [--reps N] [--check REF] [--json]
// [--load_in_8bit | --load_in_4bit ...]`:
// load time, median forward latency per batch size, GFLOP/s as a fraction of the measured
// sgemm peak, and peak RSS. `cuddle bench tokenizer FILE --corpus TXT [--json]`: load
// time and single-thread / batch encode throughput. `cuddle bench train DIR [--seq N]
// [--batch N] [--steps N] [--task T] [--json]`: one fine-tuning step against the forward
// (docs/performance.md).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/quant_flags.h"
#include "cuddle/benchmark.h"
#include "cuddle/tokenizer_benchmark.h"
#include "cuddle/peft.h"
#include "cuddle/train_benchmark.h"

namespace cuddle::cli {
namespace {

struct BenchArgs {
  std::string model;
  ModelBenchOptions opt;
  bool no_peak = false;
  bool json = false;
  QuantFlags quant;
};

nlohmann::json to_json(const std::string& dir, const ModelBenchResult& r) {
  nlohmann::json j = {{"model", dir},
                      {"class", r.model_class},
                      {"threads", r.threads},
                      {"gemm_isa", r.gemm_isa},
                      {"load_ms", r.load_ms},
                      {"first_forward_ms", r.first_forward_ms},
                      {"weights_mb", r.weights_mb},
                      {"stored_weights_mb", r.stored_weights_mb},
                      {"gflop_per_sequence", r.gflop_per_sequence},
                      {"peak_gflops", r.peak_gflops},
                      {"fma_peak_gflops", r.fma_peak_gflops},
                      {"peak_rss_mb", r.peak_rss_mb},
                      {"results", nlohmann::json::array()}};
  if (r.check_max_abs_diff) j["check_max_abs_diff"] = *r.check_max_abs_diff;
  for (const auto& b : r.results) {
    nlohmann::json e = {{"batch", b.batch}, {"reps", b.reps}, {"median_ms", b.median_ms},
                        {"min_ms", b.min_ms}, {"gflops", b.gflops}};
    if (r.peak_gflops > 0) e["fraction_of_peak"] = b.gflops / r.peak_gflops;
    if (r.fma_peak_gflops > 0) e["fraction_of_fma_peak"] = b.gflops / r.fma_peak_gflops;
    j["results"].push_back(e);
  }
  return j;
}

struct TrainBenchArgs {
  std::string model;
  TrainBenchOptions opt;
  int64_t lora_r = 0;
  bool no_peak = false;
  bool json = false;
};

int run_train_bench(const TrainBenchArgs& a) {
  TrainBenchOptions opt = a.opt;
  opt.measure_peak = !a.no_peak;
  if (a.lora_r > 0) {
    // The LoRA step: r on query / value (alpha 2r), the classifier trained whole.
    opt.frozen_base = true;
    opt.prepare = [r = a.lora_r](std::shared_ptr<PreTrainedModel> model) {
      peft::LoraConfig cfg;
      cfg.r = r;
      cfg.lora_alpha = static_cast<double>(2 * r);
      cfg.target_modules = {"query", "value"};
      cfg.task_type = "SEQ_CLS";
      return peft::get_peft_model(std::move(model), cfg).parameter_groups(2e-5, 0.01);
    };
  }
  const TrainBenchResult r = bench_train(a.model, opt);
  nlohmann::json j = {{"model", a.model},
                      {"class", r.model_class},
                      {"threads", r.threads},
                      {"batch", opt.batch},
                      {"seq", opt.seq},
                      {"train_step_median_ms", r.train_step_median_ms},
                      {"forward_ms", r.forward_ms},
                      {"backward_ms", r.backward_ms},
                      {"gflop_per_step", r.gflop_per_step},
                      {"fma_peak_gflops", r.fma_peak_gflops},
                      {"fraction_of_fma_peak", r.fraction_of_fma_peak},
                      {"trainable_params", r.trainable_params},
                      {"peak_rss_mb", r.peak_rss_mb}};
  if (a.lora_r > 0) {
    j["lora_r"] = a.lora_r;
    j["adapted_forward_ms"] = r.prepared_forward_ms;  // inference with the unmerged adapters
  }
  if (a.json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("%s (%s) threads %d, batch %lld x seq %lld, %lld trainable parameters\n", a.model.c_str(),
              r.model_class.c_str(), r.threads, static_cast<long long>(opt.batch), static_cast<long long>(opt.seq),
              static_cast<long long>(r.trainable_params));
  std::printf("forward %.1f ms; train step %.1f ms (backward %.1f ms), %.1f GFLOP per step", r.forward_ms,
              r.train_step_median_ms, r.backward_ms, r.gflop_per_step);
  if (r.fma_peak_gflops > 0) std::printf(", %.0f%% of the FMA peak", 100.0 * r.fraction_of_fma_peak);
  std::printf("; peak RSS %.1f MB\n", r.peak_rss_mb);
  if (a.lora_r > 0)
    std::printf("LoRA r %lld: forward with the unmerged adapters %.1f ms (%+.1f%% over the base)\n",
                static_cast<long long>(a.lora_r), r.prepared_forward_ms,
                100.0 * (r.prepared_forward_ms / r.forward_ms - 1.0));
  return 0;
}

struct TokenizerBenchArgs {
  std::string tokenizer, corpus;
  bool json = false;
};

}  // namespace

CUDDLE_CLI_COMMAND("bench", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure speed (never asserted: see docs/performance.md)");
  cmd->require_subcommand(1);
  auto* model = cmd->add_subcommand("model", "Forward latency of a model folder per batch size");
  auto a = std::make_shared<BenchArgs>();
  model->add_option("DIR", a->model, "model folder (config.json + safetensors)")->required();
  model->add_option("--seq", a->opt.seq, "tokens per sequence (image models: their configured image size)")->check(CLI::PositiveNumber);
  model->add_option("--batch", a->opt.batches, "batch sizes, comma separated")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  model->add_option("--reps", a->opt.reps, "timed runs per batch size (default 15 at batch 1, else 4)")
      ->check(CLI::NonNegativeNumber);
  model->add_option("--check", a->opt.check_reference,
                    "reference.safetensors: compare logits first; its first row is the timed input");
  model->add_flag("--no-peak", a->no_peak, "skip measuring the machine's sgemm peak");
  model->add_flag("--json", a->json, "print JSON");
  a->quant.add_to(*model);
  auto run_model = [a]() {
    a->opt.measure_peak = !a->no_peak;
    a->opt.load = [config = a->quant.requested()](const std::string& dir) {
      return quant::load_quantized_model(dir, std::nullopt, config);
    };
    ModelBenchResult r = bench_model(a->model, a->opt);
    nlohmann::json j = to_json(a->model, r);
    if (a->json) {
      std::cout << j.dump() << "\n";
      return 0;
    }
    std::printf("%s (%s) threads %d, gemm %s\n", a->model.c_str(), r.model_class.c_str(), r.threads,
                r.gemm_isa.c_str());
    std::printf("load %.1f ms, first forward %.1f ms, weights %.1f MB (as f32), held %.1f MB, peak RSS %.1f MB, "
                "%.2f GFLOP per sequence\n",
                r.load_ms, r.first_forward_ms, r.weights_mb, r.stored_weights_mb, r.peak_rss_mb, r.gflop_per_sequence);
    if (r.check_max_abs_diff) std::printf("logits max abs diff vs reference %.3g\n", *r.check_max_abs_diff);
    if (r.peak_gflops > 0)
      std::printf("machine sgemm peak %.1f GFLOP/s (OpenBLAS), FMA peak %.1f GFLOP/s\n", r.peak_gflops,
                  r.fma_peak_gflops);
    for (const auto& b : r.results)
      std::printf("batch %3lld  median %9.2f ms  min %9.2f ms  %7.1f GFLOP/s%s\n",
                  static_cast<long long>(b.batch), b.median_ms, b.min_ms, b.gflops,
                  r.peak_gflops > 0 ? (" (" + std::to_string(int(100 * b.gflops / r.peak_gflops)) + "% of peak)").c_str() : "");
    return 0;
  };

  auto* tokenizer = cmd->add_subcommand("tokenizer", "Load time and encode throughput of a tokenizer on a corpus");
  auto t = std::make_shared<TokenizerBenchArgs>();
  tokenizer->add_option("FILE", t->tokenizer, "tokenizer.json file or a folder holding one")->required();
  tokenizer->add_option("--corpus", t->corpus, "text file, one input per line (empty lines skipped)")->required();
  tokenizer->add_flag("--json", t->json, "print JSON");
  auto run_tokenizer = [t]() {
    TokenizerBenchResult r = bench_tokenizer(t->tokenizer, t->corpus);
    if (t->json) {
      nlohmann::json j = {{"tokenizer", t->tokenizer}, {"load_ms", r.load_ms}, {"lines", r.lines},
                          {"MB", r.megabytes},         {"tokens", r.tokens},   {"single_MBps", r.single_MBps},
                          {"batch_MBps", r.batch_MBps}, {"threads", r.threads}};
      std::cout << j.dump() << "\n";
      return 0;
    }
    std::printf("%s: load %.1f ms, %zu lines (%.2f MB) -> %zu tokens\n", t->tokenizer.c_str(), r.load_ms, r.lines,
                r.megabytes, r.tokens);
    std::printf("encode one line per call, 1 thread: %.2f MB/s; batch encode, %d threads: %.2f MB/s\n",
                r.single_MBps, r.threads, r.batch_MBps);
    return 0;
  };
  auto* train = cmd->add_subcommand("train", "One fine-tuning step (forward, backward, clip, AdamW) against the forward");
  auto tr = std::make_shared<TrainBenchArgs>();
  train->add_option("DIR", tr->model, "model folder with a task head (config.json + safetensors)")->required();
  train->add_option("--seq", tr->opt.seq, "tokens per sequence")->check(CLI::PositiveNumber);
  train->add_option("--batch", tr->opt.batch, "sequences per step")->check(CLI::PositiveNumber);
  train->add_option("--steps", tr->opt.steps, "timed steps after one warm-up step")->check(CLI::PositiveNumber);
  train->add_option("--task", tr->opt.task,
                    "head: sequence-classification, token-classification, question-answering, masked-lm, causal-lm "
                    "(default: the folder's architectures)");
  train->add_option("--lora-r", tr->lora_r,
                    "LoRA step instead of full fine-tuning: rank R on query / value, the classifier whole")
      ->check(CLI::PositiveNumber);
  train->add_flag("--no-peak", tr->no_peak, "skip measuring the machine's FMA peak");
  train->add_flag("--json", tr->json, "print JSON");
  return [model, train, tr, run_model, run_tokenizer]() {
    if (model->parsed()) return run_model();
    if (train->parsed()) return run_train_bench(*tr);
    return run_tokenizer();
  };
});

}  // namespace cuddle::cli
