// transformers' logits processors of one decoding step, in the order
// GenerationMixin._get_logits_processor appends them: RepetitionPenaltyLogitsProcessor,
// NoRepeatNGramLogitsProcessor, NoBadWordsLogitsProcessor,
// MinNewTokensLengthLogitsProcessor, ForcedBOS / ForcedEOSTokenLogitsProcessor, then
// (sampling only) TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper,
// MinPLogitsWarper and TypicalLogitsWarper, each with min_tokens_to_keep = 1.
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

void ban(std::vector<float>& scores, int64_t token) {
  if (token >= 0 && token < int64_t(scores.size())) scores[static_cast<size_t>(token)] = kRemoved;
}

// Bans every token that would complete an n-gram already in the sequence.
void no_repeat_ngram(std::vector<float>& scores, const std::vector<int64_t>& seq, int64_t n) {
  const auto len = int64_t(seq.size());
  if (len + 1 < n) return;
  const int64_t prefix = len - (n - 1);  // start of the n-1 tokens the next one follows
  for (int64_t start = 0; start + n <= len; ++start)
    if (std::equal(seq.begin() + start, seq.begin() + start + n - 1, seq.begin() + prefix))
      ban(scores, seq[static_cast<size_t>(start + n - 1)]);
}

void bad_words(std::vector<float>& scores, const std::vector<int64_t>& seq,
               const std::vector<std::vector<int64_t>>& words) {
  for (const auto& w : words) {
    const auto rest = int64_t(w.size()) - 1;
    if (rest > int64_t(seq.size())) continue;
    if (std::equal(w.begin(), w.end() - 1, seq.end() - rest)) ban(scores, w.back());
  }
}

// Removes the tokens whose probability is below min_p times the largest one.
void min_p_filter(std::vector<float>& scores, float min_p) {
  const float mx = *std::max_element(scores.begin(), scores.end());
  // p_i / p_max = exp(s_i - s_max): no normalisation needed.
  const double threshold = std::log(double(min_p));
  for (float& s : scores)
    if (double(s) - mx < threshold) s = kRemoved;
}

// Locally typical sampling: keeps the tokens whose surprisal is closest to the entropy
// until their probabilities sum to typical_p (the one crossing it included).
void typical_filter(std::vector<float>& scores, float mass) {
  const float mx = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (float s : scores) sum += std::exp(double(s) - mx);
  const double log_z = std::log(sum) + mx;
  double entropy = 0;
  std::vector<double> logp(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    logp[i] = double(scores[i]) - log_z;
    if (std::isfinite(logp[i])) entropy -= logp[i] * std::exp(logp[i]);
  }
  std::vector<double> shifted(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) shifted[i] = std::fabs(-logp[i] - entropy);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return shifted[a] < shifted[b]; });
  size_t last = 0;  // tokens whose cumulative mass stays below typical_p
  for (double cumulative = 0; last < order.size(); ++last) {
    cumulative += std::exp(logp[order[last]]);
    if (!(cumulative < double(mass))) break;
  }
  last = std::min(last, order.size() - 1);
  const double limit = shifted[order[last]];
  for (size_t r = 1; r < order.size(); ++r)  // the most typical token always stays
    if (shifted[order[r]] > limit) scores[order[r]] = kRemoved;
}

void force(std::vector<float>& scores, int64_t token) {
  if (token < 0 || token >= int64_t(scores.size())) return;
  std::fill(scores.begin(), scores.end(), kRemoved);
  scores[static_cast<size_t>(token)] = 0.0f;
}

}  // namespace

void process_logits(std::vector<float>& scores, const std::vector<int64_t>& sequence, int64_t generated,
                    const GenerationConfig& config) {
  if (config.repetition_penalty != 1.0f) repetition_penalty(scores, sequence, config.repetition_penalty);
  if (config.no_repeat_ngram_size > 0) no_repeat_ngram(scores, sequence, config.no_repeat_ngram_size);
  if (!config.bad_words_ids.empty()) bad_words(scores, sequence, config.bad_words_ids);
  if (generated < config.min_new_tokens)
    for (int64_t eos : config.eos_token_ids) ban(scores, eos);
  if (config.forced_bos_token_id && sequence.size() == 1) force(scores, *config.forced_bos_token_id);
  if (config.forced_eos_token_id) {
    const auto prompt = int64_t(sequence.size()) - generated;
    const int64_t max_length = config.max_new_tokens ? prompt + *config.max_new_tokens : config.max_length;
    if (int64_t(sequence.size()) == max_length - 1) force(scores, *config.forced_eos_token_id);
  }
  if (!config.do_sample) return;
  if (config.temperature != 1.0f)
    for (float& s : scores) s /= config.temperature;
  if (config.top_k > 0) top_k_filter(scores, config.top_k);
  if (config.top_p < 1.0f) top_p_filter(scores, config.top_p);
  if (config.min_p > 0.0f) min_p_filter(scores, config.min_p);
  if (config.typical_p < 1.0f) typical_filter(scores, config.typical_p);
}

}  // namespace cuddle
