// The decoding loop of transformers' GenerationMixin._sample (greedy when do_sample is
// off): one prefill over the left-padded prompts, then one token per step through a
// static key/value cache allocated for prompt + max_new_tokens positions. num_beams > 1
// goes to beam_search.cpp.
#include <algorithm>
#include <cmath>
#include <random>

#include "cuddle/error.h"
#include "cuddle/generation.h"
#include "generation/beam_search.h"
#include "generation/prompt_batch.h"

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

}  // namespace

GenerateOutput generate(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerationConfig& config, const GenerateCallbacks& callbacks) {
  config.validate();
  if (!config.stop_strings.empty() && !callbacks.decode)
    throw Error("generation: stop_strings need a tokenizer to decode the generated text");
  if (config.num_beams > 1) {
    if (callbacks.on_token) throw Error("generation: tokens cannot be streamed with beam search (num_beams > 1)");
    return generation::beam_search(model, prompts, config);
  }
  generation::PromptBatch batch = generation::pad_prompts(model, prompts, config);
  const int64_t B = batch.rows, budget = batch.budget, pad = batch.pad;

  GenerateOutput out;
  out.sequences = prompts;
  out.new_tokens.assign(prompts.size(), 0);
  if (budget == 0) return out;

  KVCache cache = model.make_cache(B, KVCache::Kind::Static, batch.length + budget);
  std::mt19937_64 rng(config.seed ? *config.seed : std::random_device{}());
  std::vector<bool> finished(prompts.size(), false);
  Tensor logits = model.forward_tokens(batch.ids, batch.padded ? Tensor::from_vector(batch.mask, {B, batch.length}) : Tensor(),
                                       batch.positions, &cache, /*last_only=*/true);
  const int64_t V = logits.size(2);
  for (int64_t step = 0; step < budget; ++step) {
    Tensor next = Tensor::empty({B, 1}, DType::I64);
    for (int64_t b = 0; b < B; ++b) {
      const auto bi = static_cast<size_t>(b);
      int64_t token = pad;
      if (!finished[bi]) {
        std::vector<float> scores(logits.data<float>() + b * V, logits.data<float>() + (b + 1) * V);
        process_logits(scores, batch.tokens[bi], step, config);
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
      batch.tokens[bi].push_back(token);
      next.data<int64_t>()[b] = token;
    }
    if (step + 1 == budget || std::all_of(finished.begin(), finished.end(), [](bool f) { return f; })) break;
    // The mask grows by one for every sequence, finished or not (transformers).
    const Tensor positions = generation::step_positions(batch);
    logits = model.forward_tokens(next, generation::step_mask(batch, cache.length()), positions, &cache,
                                  /*last_only=*/true);
  }
  return out;
}

}  // namespace cuddle
