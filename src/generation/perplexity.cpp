// Perplexity as transformers users compute it: the mean cross-entropy of each token given
// the ones before it in its window (labels = input_ids, shifted inside the model), over
// fixed blocks or over the sliding windows of transformers' perplexity guide.
#include <algorithm>
#include <cmath>

#include "cuddle/error.h"
#include "cuddle/generation.h"

namespace cuddle {

namespace {

// Summed -log p(ids[i] | ids[< i]) for the positions i >= first of one window (i >= 1).
double window_nll(const CausalLM& model, const std::vector<int64_t>& ids, int64_t begin, int64_t end,
                  int64_t first) {
  const int64_t L = end - begin;
  std::vector<int64_t> window(ids.begin() + begin, ids.begin() + end);
  const Tensor logits = model.forward_tokens(Tensor::from_vector(window, {1, L}), {}, {}, nullptr);
  const int64_t V = logits.size(2);
  const float* p = logits.data<float>();
  double nll = 0;
  for (int64_t i = std::max<int64_t>(first, 1); i < L; ++i) {
    const float* row = p + (i - 1) * V;  // the prediction for position i
    const float mx = *std::max_element(row, row + V);
    double sum = 0;
    for (int64_t v = 0; v < V; ++v) sum += std::exp(double(row[v]) - mx);
    nll += std::log(sum) + mx - row[window[static_cast<size_t>(i)]];
  }
  return nll;
}

}  // namespace

PerplexityResult perplexity(const CausalLM& model, const std::vector<int64_t>& ids, int64_t block_size,
                            int64_t stride, int64_t max_length) {
  if ((block_size > 0) == (stride > 0))
    throw Error("perplexity: give exactly one of block_size and stride (positive)");
  const auto n = static_cast<int64_t>(ids.size());
  PerplexityResult r;
  if (block_size > 0) {
    if (block_size < 2) throw Error("perplexity: block_size must be at least 2");
    if (block_size > model.max_positions() && model.positions_are_hard_limit())
      throw Error("perplexity: block_size " + std::to_string(block_size) + " exceeds the model's " +
                  std::to_string(model.max_positions()) + " positions");
    for (int64_t begin = 0; begin + block_size <= n; begin += block_size, ++r.windows) {
      r.nll += window_nll(model, ids, begin, begin + block_size, 1);
      r.tokens += block_size - 1;
    }
  } else {
    const int64_t window = max_length > 0 ? max_length : model.max_positions();
    if (stride > window)
      throw Error("perplexity: stride " + std::to_string(stride) + " is longer than the window of " +
                  std::to_string(window) + " tokens");
    int64_t prev_end = 0;
    for (int64_t begin = 0; begin < n; begin += stride) {
      ++r.windows;
      const int64_t end = std::min(begin + window, n);
      const int64_t target = end - prev_end;  // tokens not scored by an earlier window
      const int64_t first = (end - begin) - target;
      const int64_t scored = (end - begin) - std::max<int64_t>(first, 1);
      if (scored > 0) {
        // The guide weighs each window's mean loss by its target count minus one (its
        // "label shift" correction), also for windows whose first target is scored: kept,
        // so the figures equal the guide's.
        r.nll += window_nll(model, ids, begin, end, first) / double(scored) * double(target - 1);
        r.tokens += target - 1;
      }
      prev_end = end;
      if (end == n) break;
    }
  }
  if (r.tokens == 0)
    throw Error("perplexity: " + std::to_string(n) + " tokens leave nothing to score (fewer than one block)");
  r.perplexity = std::exp(r.nll / double(r.tokens));
  return r;
}

}  // namespace cuddle
