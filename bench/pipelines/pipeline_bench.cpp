// Texts per second of the text-classification pipeline on langid-bert's 1500 held-out
// texts, at batch 1 and 32: end to end through the public API, and per stage (tokenize,
// forward, post-process) through the same helpers the task uses.
// Usage: pipeline_bench [MODEL_DIR] [HELDOUT_JSONL] [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "cuddle/pipeline.h"
#include "pipelines/common.h"

using namespace cuddle;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Stages {
  double tokenize = 0, forward = 0, post = 0;
  double total() const { return tokenize + forward + post; }
};

// The text-classification stages, one batch at a time as the pipeline runs them.
Stages run_stages(const Pipeline& p, const std::vector<std::string>& texts, size_t batch) {
  Stages s;
  TruncationParams trunc;
  trunc.max_length = pipelines::max_input_length(p.model(), p.tokenizer());
  auto t0 = Clock::now();
  auto enc = pipelines::encode_texts(p.tokenizer(), texts, trunc);
  s.tokenize = seconds_since(t0);
  t0 = Clock::now();
  auto rows = pipelines::forward_rows(p.model(), p.tokenizer(), enc, batch, {pipelines::output_named("logits")},
                                      [](const Tensor&) { return false; });
  s.forward = seconds_since(t0);
  t0 = Clock::now();
  PipelineOutput out = PipelineOutput::array();
  for (const auto& r : rows) {
    const float* x = r[0].data<float>();
    auto probs = pipelines::softmax(x, static_cast<size_t>(r[0].numel()));
    size_t best = pipelines::argmax(probs.data(), probs.size());
    out.push_back({{"label", pipelines::label_name(p.model().config(), static_cast<int64_t>(best))}, {"score", probs[best]}});
  }
  s.post = seconds_since(t0);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "tests/fixtures/real/models/langid-bert";
  std::string heldout = argc > 2 ? argv[2] : dir + "/heldout.jsonl";
  int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  std::vector<std::string> texts;
  std::ifstream in(heldout);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line)["text"]);
  if (texts.empty()) {
    std::fprintf(stderr, "no texts in %s\n", heldout.c_str());
    return 1;
  }
  auto t0 = Clock::now();
  Pipeline p = pipeline("text-classification", dir);
  std::printf("load model + tokenizer: %.1f ms\n", seconds_since(t0) * 1e3);
  std::vector<PipelineInput> inputs(texts.begin(), texts.end());
  std::printf("%zu texts, best of %d runs\n", texts.size(), repeats);
  std::printf("%-6s %12s %12s %14s %14s %14s\n", "batch", "texts/s", "e2e texts/s", "tokenize ms", "forward ms",
              "postproc ms");
  for (size_t batch : {size_t{1}, size_t{32}}) {
    Stages best;
    double best_e2e = 1e30;
    PipelineOptions o;
    o.batch_size = batch;
    for (int r = 0; r < repeats; ++r) {
      Stages s = run_stages(p, texts, batch);
      if (r == 0 || s.total() < best.total()) best = s;
      auto t = Clock::now();
      p(inputs, o);
      best_e2e = std::min(best_e2e, seconds_since(t));
    }
    std::printf("%-6zu %12.0f %12.0f %14.1f %14.1f %14.1f\n", batch, texts.size() / best.total(),
                texts.size() / best_e2e, best.tokenize * 1e3, best.forward * 1e3, best.post * 1e3);
  }
  return 0;
}
