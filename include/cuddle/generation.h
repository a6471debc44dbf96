// Text generation with decoder-only language models (CausalLM, cuddle/causal_lm.h):
// transformers' GenerationConfig names and defaults, greedy decoding and sampling with
// its logits processors in transformers' order, a preallocated key/value cache, batches
// of prompts of different lengths (left padding), and perplexity (docs/generation.md).
//
//   auto model = cuddle::AutoModelForCausalLM::from_pretrained(dir);
//   cuddle::GenerationConfig g = cuddle::GenerationConfig::from_pretrained(dir);
//   g.max_new_tokens = 20;
//   auto out = cuddle::generate(cuddle::as_causal_lm(*model), {{15496, 995}}, g);
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/causal_lm.h"

namespace cuddle {

struct GenerationConfig {
  // Length: max_new_tokens wins over max_length (which counts the prompt, transformers'
  // default 20). min_new_tokens keeps the end tokens out until that many are generated.
  std::optional<int64_t> max_new_tokens;
  int64_t max_length = 20;
  int64_t min_new_tokens = 0;
  // Greedy (argmax) unless do_sample.
  bool do_sample = false;
  // Sampling warpers, applied in this order when do_sample: temperature (1: none), top_k
  // (0: none), top_p (1: none), min_p (0: none; tokens less likely than min_p times the
  // most likely one are removed), typical_p (1: none; locally typical sampling).
  float temperature = 1.0f;
  int64_t top_k = 50;
  float top_p = 1.0f;
  float min_p = 0.0f;
  float typical_p = 1.0f;
  // The first token after a one-token prompt is forced to forced_bos_token_id; the last
  // one the length allows to forced_eos_token_id.
  std::optional<int64_t> forced_bos_token_id, forced_eos_token_id;
  // No n-gram of this size occurs twice in a sequence (prompt included); 0: none.
  int64_t no_repeat_ngram_size = 0;
  // Token sequences never generated: a single token is banned outright, a longer one's
  // last token when the sequence ends with the rest.
  std::vector<std::vector<int64_t>> bad_words_ids;
  // Tokens already in the sequence (prompt included): logit / penalty when positive,
  // logit * penalty when negative. 1: none.
  float repetition_penalty = 1.0f;
  // Seeds the sampler's generator (std::mt19937_64); unset: a random seed. The same seed
  // gives the same tokens in cuddle; it does not reproduce torch's random stream.
  std::optional<uint64_t> seed;
  // Any of these ends a sequence (the end token is kept in its output).
  std::vector<int64_t> eos_token_ids;
  // Fills finished sequences and the left padding of a batch; unset: the first end token
  // (as transformers does, with its warning), else 0.
  std::optional<int64_t> pad_token_id;
  std::optional<int64_t> bos_token_id;
  // Generation also ends for a sequence once its generated text contains one of these
  // (needs GenerateCallbacks::decode).
  std::vector<std::string> stop_strings;
  // Beam search when num_beams > 1 (transformers' _beam_search): the num_beams best
  // sequences by summed log-probability are kept each step; a finished one scores its sum
  // over (generated tokens ^ length_penalty). early_stopping: "false" (stop once no running
  // beam could beat the finished ones, judged at the current length), "true" (stop once
  // num_beams sequences finished), "never" (judged at max_length when length_penalty > 0).
  // num_return_sequences of the best finished ones are returned per prompt.
  int64_t num_beams = 1;
  float length_penalty = 1.0f;
  std::string early_stopping = "false";
  int64_t num_return_sequences = 1;

  // generation_config.json in `dir` when there is one, else the end / padding tokens of
  // its config.json (transformers' GenerationConfig.from_model_config). Throws
  // FormatError naming the file and key for a value of the wrong type.
  static GenerationConfig from_pretrained(const std::string& dir);

  // Throws Error naming the argument for values transformers refuses (temperature <= 0
  // when sampling, top_p or typical_p outside (0, 1], min_p outside [0, 1], top_k < 0,
  // repetition_penalty <= 0, negative lengths or n-gram sizes, empty bad words).
  void validate() const;
};

struct GenerateCallbacks {
  // Called for every new token of every unfinished sequence, in order: TextStreamer.
  std::function<void(size_t sequence, int64_t token)> on_token;
  // The text of generated token ids, for stop_strings.
  std::function<std::string(const std::vector<int64_t>& ids)> decode;
};

struct GenerateOutput {
  // Per prompt (num_return_sequences per prompt, best first, with beam search): its tokens
  // followed by the generated ones (up to and including an end token; no padding).
  std::vector<std::vector<int64_t>> sequences;
  // Per sequence: how many tokens were generated.
  std::vector<int64_t> new_tokens;
  // Beam search: per sequence its score (summed log-probabilities over generated tokens ^
  // length_penalty), transformers' sequences_scores; empty otherwise.
  std::vector<float> sequences_scores;
};

// Generates continuations of every prompt (token ids, each non-empty) as transformers'
// model.generate(input_ids, attention_mask, generation_config) does for the same
// left-padded batch: greedy, sampling, or beam search (num_beams > 1; no on_token
// streaming or stop_strings there, as transformers refuses a streamer). Throws Error for
// an invalid config, an empty prompt, or prompt plus new tokens beyond the positions of a
// model with learned position embeddings.
GenerateOutput generate(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                        const GenerationConfig& config, const GenerateCallbacks& callbacks = {});

// The logits processors of one step, in transformers' order, on the scores of one
// sequence (modified in place): repetition penalty over `sequence`, no_repeat_ngram_size,
// bad_words_ids, min_new_tokens' ban of the end tokens while fewer than min_new_tokens
// were generated, forced BOS / EOS, then, when do_sample, temperature, top_k, top_p,
// min_p and typical_p (removed tokens get -inf). `generated` of the sequence's tokens are
// new, the rest the (padded) prompt.
void process_logits(std::vector<float>& scores, const std::vector<int64_t>& sequence,
                    int64_t generated, const GenerationConfig& config);

// ---- perplexity ----

struct PerplexityResult {
  double perplexity = 0;  // exp(nll / tokens)
  double nll = 0;         // summed negative log-likelihood (natural log)
  int64_t tokens = 0;     // tokens scored
  int64_t windows = 0;    // forward passes
};

// Perplexity of `ids` under the model, transformers' recipes:
// - block_size > 0: consecutive block_size-token blocks, the incomplete last one dropped,
//   each scored on its block_size - 1 predicted tokens;
// - stride > 0: the sliding window of transformers' perplexity guide (windows of the
//   model's max_positions, or `max_length` when > 0, advancing by stride, each scoring
//   only the tokens not scored before).
// Exactly one of block_size and stride must be positive.
PerplexityResult perplexity(const CausalLM& model, const std::vector<int64_t>& ids, int64_t block_size,
                            int64_t stride, int64_t max_length = 0);

}  // namespace cuddle
