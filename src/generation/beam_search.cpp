// Beam search as transformers' GenerationMixin._beam_search runs it (the vectorised
// version of 4.50+): each prompt is repeated num_beams times; every step the log-softmax of
// each running beam goes through the logits processors, is added to the beam's running
// score, and the best max(2, 1 + end tokens) * num_beams continuations of the prompt are
// kept. Of those, the num_beams best that do not end (an end token, or max_length) keep
// running; the ones among the first num_beams that end join the finished list with their
// score divided by (generated tokens ^ length_penalty), which keeps its num_beams best.
// The loop stops when no running beam could beat the finished ones (early_stopping's
// heuristic), when every list is full (early_stopping = true), or at max_length.
#include "generation/beam_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cuddle/error.h"
#include "generation/prompt_batch.h"

namespace cuddle::generation {

namespace {

constexpr float kExcluded = -1.0e9f;  // transformers' "very large negative" score offset

// torch.log_softmax of one row: x - max - log(sum(exp(x - max))).
std::vector<float> log_softmax(const float* x, int64_t n) {
  const float mx = *std::max_element(x, x + n);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(double(x[i] - mx));
  const float log_sum = float(std::log(sum));
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[size_t(i)] = x[i] - mx - log_sum;
  return out;
}

// torch.topk(values, k): the indices of the k largest, largest first (equal values: the
// lower index first).
std::vector<int64_t> top_k(const std::vector<float>& values, int64_t k) {
  std::vector<int64_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) {
    return values[size_t(a)] > values[size_t(b)] || (values[size_t(a)] == values[size_t(b)] && a < b);
  });
  idx.resize(size_t(k));
  return idx;
}

// A finished hypothesis slot: its length-normalised score and generated tokens.
struct Finished {
  float score = kExcluded;
  std::vector<int64_t> tokens;
  bool done = false;  // false: an empty slot (transformers' is_sent_finished)
};

bool is_end(const GenerationConfig& config, int64_t token) {
  return std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), token) != config.eos_token_ids.end();
}

}  // namespace

GenerateOutput beam_search(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                           const GenerationConfig& config) {
  const int64_t nb = config.num_beams, B = int64_t(prompts.size());
  std::vector<std::vector<int64_t>> expanded;
  for (const auto& p : prompts) expanded.insert(expanded.end(), size_t(nb), p);
  PromptBatch batch = pad_prompts(model, expanded, config);
  const int64_t N = batch.rows, P = batch.length, max_length = P + batch.budget;
  const double lp = config.length_penalty;

  GenerateOutput out;
  if (batch.budget == 0) {
    for (const auto& p : prompts)
      for (int64_t r = 0; r < config.num_return_sequences; ++r) {
        out.sequences.push_back(p);
        out.new_tokens.push_back(0);
        out.sequences_scores.push_back(0.0f);
      }
    return out;
  }

  const int64_t keep = std::max<int64_t>(2, 1 + int64_t(config.eos_token_ids.size())) * nb;
  // Only the first beam of each prompt starts live, so step one expands one beam.
  std::vector<float> running(static_cast<size_t>(N), 0.0f);
  for (int64_t r = 0; r < N; ++r)
    if (r % nb) running[size_t(r)] = kExcluded;
  std::vector<std::vector<int64_t>> generated(static_cast<size_t>(N));
  std::vector<std::vector<Finished>> finished(static_cast<size_t>(B), std::vector<Finished>(static_cast<size_t>(nb)));
  std::vector<bool> improvable(static_cast<size_t>(B), true);  // is_early_stop_heuristic_unsatisfied

  KVCache cache = model.make_cache(N, KVCache::Kind::Static, max_length);
  Tensor logits = model.forward_tokens(batch.ids, batch.padded ? Tensor::from_vector(batch.mask, {N, P}) : Tensor(),
                                       batch.positions, &cache, /*last_only=*/true);
  const int64_t V = logits.size(2);
  if (keep > nb * V)
    throw Error("generation: num_beams " + std::to_string(nb) + " needs " + std::to_string(keep) +
                " candidates a step, more than num_beams x the vocabulary of " + std::to_string(V));
  for (int64_t step = 0;; ++step) {
    const int64_t cur_len = P + step;
    std::vector<int64_t> sources(static_cast<size_t>(N));  // new running row -> the row it continues
    std::vector<int64_t> next_tokens(static_cast<size_t>(N));
    std::vector<float> next_running(static_cast<size_t>(N));
    bool every_candidate_ends = true;
    for (int64_t b = 0; b < B; ++b) {
      std::vector<float> acc(static_cast<size_t>(nb * V));
      for (int64_t i = 0; i < nb; ++i) {
        const int64_t row = b * nb + i;
        std::vector<float> scores = log_softmax(logits.data<float>() + row * V, V);
        process_logits(scores, batch.tokens[size_t(row)], step, config);
        for (int64_t v = 0; v < V; ++v) acc[size_t(i * V + v)] = scores[size_t(v)] + running[size_t(row)];
      }
      const std::vector<int64_t> candidates = top_k(acc, keep);
      std::vector<float> continuing(static_cast<size_t>(keep));
      std::vector<bool> ends(static_cast<size_t>(keep));
      for (int64_t k = 0; k < keep; ++k) {
        const int64_t c = candidates[size_t(k)];
        ends[size_t(k)] = is_end(config, c % V) || cur_len + 1 >= max_length;
        every_candidate_ends = every_candidate_ends && ends[size_t(k)];
        continuing[size_t(k)] = acc[size_t(c)] + (ends[size_t(k)] ? kExcluded : 0.0f);
      }
      auto tokens_of = [&](int64_t k) {
        std::vector<int64_t> t = generated[size_t(b * nb + candidates[size_t(k)] / V)];
        t.push_back(candidates[size_t(k)] % V);
        return t;
      };
      // The running beams of the next step: the best continuations that do not end.
      const std::vector<int64_t> chosen = top_k(continuing, nb);
      for (int64_t j = 0; j < nb; ++j) {
        const int64_t k = chosen[size_t(j)], c = candidates[size_t(k)];
        sources[size_t(b * nb + j)] = b * nb + c / V;
        next_tokens[size_t(b * nb + j)] = c % V;
        next_running[size_t(b * nb + j)] = continuing[size_t(k)];
      }
      // The finished list: the endings among the first num_beams candidates, scored per
      // generated token, merged with the list so far; the num_beams best stay.
      const float norm = float(std::pow(double(cur_len + 1 - P), lp));
      const bool full = config.early_stopping == "true" &&
                        std::all_of(finished[size_t(b)].begin(), finished[size_t(b)].end(),
                                    [](const Finished& h) { return h.done; });
      std::vector<Finished> merged = finished[size_t(b)];
      for (int64_t k = 0; k < keep; ++k) {
        const bool joins = ends[size_t(k)] && k < nb;
        float score = acc[size_t(candidates[size_t(k)])] / norm;
        if (full) score += kExcluded;
        if (!improvable[size_t(b)]) score += kExcluded;
        if (!joins) score += kExcluded;
        merged.push_back({score, joins ? tokens_of(k) : std::vector<int64_t>{}, joins});
      }
      std::vector<float> merged_scores;
      for (const auto& h : merged) merged_scores.push_back(h.score);
      std::vector<Finished> kept;
      for (int64_t m : top_k(merged_scores, nb)) kept.push_back(std::move(merged[size_t(m)]));
      finished[size_t(b)] = std::move(kept);
    }

    // Move every running row's cache, tokens and history to the beam it continues.
    cache.select_batch(sources);
    std::vector<std::vector<int64_t>> tokens(static_cast<size_t>(N)), history(static_cast<size_t>(N));
    for (int64_t r = 0; r < N; ++r) {
      tokens[size_t(r)] = batch.tokens[size_t(sources[size_t(r)])];
      tokens[size_t(r)].push_back(next_tokens[size_t(r)]);
      history[size_t(r)] = generated[size_t(sources[size_t(r)])];
      history[size_t(r)].push_back(next_tokens[size_t(r)]);
    }
    batch.tokens = std::move(tokens);
    generated = std::move(history);
    running = next_running;

    // Could a running beam still beat a finished one? Judged at the current length
    // (early_stopping false) or, for "never" with a positive length_penalty, at max_length.
    const int64_t length_now = cur_len + 1 - P;
    const int64_t hypothetical = config.early_stopping == "never" && lp > 0.0 ? max_length - P : length_now;
    bool any_improvable = false, all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      const auto& f = finished[size_t(b)];
      const float best_possible = running[size_t(b * nb)] / float(std::pow(double(hypothetical), lp));
      float worst = f[0].score;
      for (const auto& h : f) worst = std::min(worst, h.score);
      bool beats = false;
      for (const auto& h : f) beats = beats || best_possible > (h.done ? worst : kExcluded);
      improvable[size_t(b)] = improvable[size_t(b)] && beats;
      any_improvable = any_improvable || improvable[size_t(b)];
      for (const auto& h : f) all_done = all_done && h.done;
    }
    const bool open_beam = !(all_done && config.early_stopping == "true");
    if (!(any_improvable && open_beam && !every_candidate_ends)) break;

    Tensor next = Tensor::from_vector(next_tokens, {N, 1});
    const Tensor positions = step_positions(batch);
    logits = model.forward_tokens(next, step_mask(batch, cache.length()), positions, &cache, /*last_only=*/true);
  }

  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < config.num_return_sequences; ++r) {
      const Finished& h = finished[size_t(b)][size_t(r)];
      std::vector<int64_t> seq = prompts[size_t(b)];
      seq.insert(seq.end(), h.tokens.begin(), h.tokens.end());
      out.sequences.push_back(std::move(seq));
      out.new_tokens.push_back(int64_t(h.tokens.size()));
      out.sequences_scores.push_back(h.score);
    }
  return out;
}

}  // namespace cuddle::generation
