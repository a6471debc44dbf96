// transformers' logits processors of one decoding step, in the order
// GenerationMixin._get_logits_processor appends them: RepetitionPenaltyLogitsProcessor,
// MinNewTokensLengthLogitsProcessor, then (sampling only) TemperatureLogitsWarper,
// TopKLogitsWarper and TopPLogitsWarper, each with min_tokens_to_keep = 1.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "cuddle/generation.h"

namespace cuddle {

namespace {

constexpr float kRemoved = -std::numeric_limits<float>::infinity();

void repetition_penalty(std::vector<float>& scores, const std::vector<int64_t>& sequence, float penalty) {
  std::unordered_set<int64_t> seen;
  const auto V = static_cast<int64_t>(scores.size());
  for (int64_t t : sequence) {
    if (t < 0 || t >= V || !seen.insert(t).second) continue;
    float& s = scores[static_cast<size_t>(t)];
    s = s < 0 ? s * penalty : s / penalty;
  }
}

// Keeps the top_k highest scores and every score tied with the k-th (scores < k-th are
// removed, as transformers compares against topk's last value).
void top_k_filter(std::vector<float>& scores, int64_t top_k) {
  const auto k = static_cast<size_t>(std::min<int64_t>(std::max<int64_t>(top_k, 1), int64_t(scores.size())));
  if (k >= scores.size()) return;
  std::vector<float> sorted = scores;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k - 1), sorted.end(),
                   std::greater<float>());
  const float kth = sorted[k - 1];
  for (float& s : scores)
    if (s < kth) s = kRemoved;
}

// Removes the least likely tokens whose probabilities sum to at most 1 - top_p, keeping
// the most likely one always.
void top_p_filter(std::vector<float>& scores, float top_p) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  const float mx = scores[order.back()];
  double sum = 0;
  for (float s : scores) sum += std::exp(double(s) - mx);
  double cumulative = 0;
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    cumulative += std::exp(double(scores[order[i]]) - mx) / sum;
    if (cumulative > 1.0 - double(top_p)) break;
    scores[order[i]] = kRemoved;
  }
}

}  // namespace

void process_logits(std::vector<float>& scores, const std::vector<int64_t>& sequence, int64_t generated,
                    const GenerationConfig& config) {
  if (config.repetition_penalty != 1.0f) repetition_penalty(scores, sequence, config.repetition_penalty);
  if (generated < config.min_new_tokens)
    for (int64_t eos : config.eos_token_ids)
      if (eos >= 0 && eos < int64_t(scores.size())) scores[static_cast<size_t>(eos)] = kRemoved;
  if (!config.do_sample) return;
  if (config.temperature != 1.0f)
    for (float& s : scores) s /= config.temperature;
  if (config.top_k > 0) top_k_filter(scores, config.top_k);
  if (config.top_p < 1.0f) top_p_filter(scores, config.top_p);
}

}  // namespace cuddle
