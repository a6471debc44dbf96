// The decoding loop of transformers' GenerationMixin._sample (greedy when do_sample is
// off): one prefill over the left-padded prompts, then one token per step through a
// static key/value cache allocated for prompt + max_new_tokens positions.
#include <algorithm>
#include <cmath>
#include <random>

#include "cuddle/error.h"
#include "cuddle/generation.h"

namespace cuddle {

namespace {

// First index of the largest score (torch.argmax's choice among ties).
int64_t argmax(const std::vector<float>& scores) {
  return std::max_element(scores.begin(), scores.end()) - scores.begin();
}

// torch.multinomial over softmax(scores): -inf scores are never drawn.
int64_t sample(const std::vector<float>& scores, std::mt19937_64& rng) {
  const float mx = *std::max_element(scores.begin(), scores.end());
  std::vector<double> weights(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) weights[i] = std::exp(double(scores[i]) - mx);
  std::discrete_distribution<int64_t> dist(weights.begin(), weights.end());
  return dist(rng);
}

bool contains(const std::vector<int64_t>& list, int64_t v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

int64_t new_token_budget(const GenerationConfig& config, int64_t prompt_len) {
  if (config.max_new_tokens) return *config.max_new_tokens;
  if (config.max_length <= prompt_len)
    throw Error("generation: the prompt has " + std::to_string(prompt_len) +
                " tokens, max_length is " + std::to_string(config.max_length) +
                " (set max_new_tokens, or a larger max_length)");
  return config.max_length - prompt_len;
}

}  // namespace

GenerateOutput generate(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerationConfig& config, const GenerateCallbacks& callbacks) {
  config.validate();
  if (prompts.empty()) throw Error("generation: no prompts");
  if (!config.stop_strings.empty() && !callbacks.decode)
    throw Error("generation: stop_strings need a tokenizer to decode the generated text");
  const auto B = static_cast<int64_t>(prompts.size());
  int64_t P = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw Error("generation: prompt " + std::to_string(i + 1) + " has no tokens");
    for (int64_t t : prompts[i])
      if (t < 0 || t >= model.vocab_size())
        throw Error("generation: prompt " + std::to_string(i + 1) + " has token id " + std::to_string(t) +
                    " outside the vocabulary of " + std::to_string(model.vocab_size()));
    P = std::max<int64_t>(P, int64_t(prompts[i].size()));
  }
  const int64_t budget = new_token_budget(config, P);
  if (model.positions_are_hard_limit() && P + budget > model.max_positions())
    throw Error("generation: a prompt of " + std::to_string(P) + " tokens plus " + std::to_string(budget) +
                " new tokens exceeds the model's " + std::to_string(model.max_positions()) + " positions");
  const int64_t pad = config.pad_token_id ? *config.pad_token_id
                      : config.eos_token_ids.empty() ? 0
                                                     : config.eos_token_ids[0];

  GenerateOutput out;
  out.sequences = prompts;
  out.new_tokens.assign(prompts.size(), 0);
  if (budget == 0) return out;

  // Left padding; positions count real tokens (cumsum(mask) - 1, padding at 1), as
  // transformers' prepare_inputs_for_generation derives them from the attention mask.
  bool padded = false;
  Tensor ids = Tensor::empty({B, P}, DType::I64), pos = Tensor::empty({B, P}, DType::I64);
  std::vector<int64_t> mask(static_cast<size_t>(B * P), 1), last_pos(static_cast<size_t>(B));
  std::vector<std::vector<int64_t>> rows(prompts.size());  // padded rows: what the penalty sees
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[static_cast<size_t>(b)];
    const int64_t lead = P - int64_t(p.size());
    padded = padded || lead > 0;
    for (int64_t s = 0; s < P; ++s) {
      const bool real = s >= lead;
      ids.data<int64_t>()[b * P + s] = real ? p[static_cast<size_t>(s - lead)] : pad;
      pos.data<int64_t>()[b * P + s] = real ? s - lead : 1;
      mask[static_cast<size_t>(b * P + s)] = real;
      rows[static_cast<size_t>(b)].push_back(ids.data<int64_t>()[b * P + s]);
    }
    last_pos[static_cast<size_t>(b)] = int64_t(p.size()) - 1;
  }

  KVCache cache = model.make_cache(B, KVCache::Kind::Static, P + budget);
  std::mt19937_64 rng(config.seed ? *config.seed : std::random_device{}());
  std::vector<bool> finished(prompts.size(), false);
  Tensor logits = model.forward_tokens(ids, padded ? Tensor::from_vector(mask, {B, P}) : Tensor(), pos, &cache,
                                       /*last_only=*/true);
  const int64_t V = logits.size(2);
  for (int64_t step = 0; step < budget; ++step) {
    Tensor next = Tensor::empty({B, 1}, DType::I64);
    for (int64_t b = 0; b < B; ++b) {
      const auto bi = static_cast<size_t>(b);
      int64_t token = pad;
      if (!finished[bi]) {
        std::vector<float> scores(logits.data<float>() + b * V, logits.data<float>() + (b + 1) * V);
        process_logits(scores, rows[bi], step, config);
        token = config.do_sample ? sample(scores, rng) : argmax(scores);
        out.sequences[bi].push_back(token);
        ++out.new_tokens[bi];
        if (callbacks.on_token) callbacks.on_token(bi, token);
        if (contains(config.eos_token_ids, token)) finished[bi] = true;
        if (!config.stop_strings.empty()) {
          const auto& seq = out.sequences[bi];
          const std::string text = callbacks.decode({seq.end() - out.new_tokens[bi], seq.end()});
          for (const auto& stop : config.stop_strings)
            if (text.find(stop) != std::string::npos) finished[bi] = true;
        }
      }
      rows[bi].push_back(token);
      next.data<int64_t>()[b] = token;
    }
    if (step + 1 == budget || std::all_of(finished.begin(), finished.end(), [](bool f) { return f; })) break;
    // The mask grows by one for every sequence, finished or not (transformers).
    Tensor step_pos = Tensor::empty({B, 1}, DType::I64);
    for (int64_t b = 0; b < B; ++b) step_pos.data<int64_t>()[b] = ++last_pos[static_cast<size_t>(b)];
    Tensor step_mask;
    if (padded) {
      const int64_t L = cache.length() + 1;
      step_mask = Tensor::empty({B, L}, DType::I64);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t s = 0; s < L; ++s)
          step_mask.data<int64_t>()[b * L + s] = s < P ? mask[static_cast<size_t>(b * P + s)] : 1;
    }
    logits = model.forward_tokens(next, step_mask, step_pos, &cache, /*last_only=*/true);
  }
  return out;
}

}  // namespace cuddle
