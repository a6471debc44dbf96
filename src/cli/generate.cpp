// `cuddle generate --model M [PROMPT...] [--max_new_tokens N] [--do_sample] [--temperature T]
// [--top_k K] [--top_p P] [--seed S] [--num_beams B [--num_return_sequences R]
// [--length_penalty L] [--early_stopping true|false|never]] [--json]`: continues each prompt
// with generate() (cuddle/generation.h) under the model's generation_config.json. Without
// --json the text streams to the terminal as it comes, whole words at a time (as
// transformers' TextStreamer; beam search prints each result once it is known); --json
// prints per prompt its text and `sequences` (prompt ids followed by the new ones), with
// beam search one entry per returned sequence with its `score`. Without --model the first
// argument is the model folder.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cuddle/generation.h"
#include "cuddle/models.h"
#include "cuddle/pipeline.h"
#include "cuddle/tokenizer.h"

namespace cuddle::cli {
namespace {

struct GenerateArgs {
  std::string model;
  std::vector<std::string> prompts, prompt_options;
  int64_t max_new_tokens = 0, top_k = 0, num_beams = 1, num_return_sequences = 1;
  float temperature = 1.0f, top_p = 1.0f, repetition_penalty = 1.0f, length_penalty = 1.0f;
  std::string early_stopping;
  uint64_t seed = 0;
  bool do_sample = false, json = false;
};

// Prints decoded text as whole words: held back until a space or newline completes them
// (the rest at the end), never splitting a UTF-8 character (DecodeStream holds those).
class WordStreamer {
 public:
  explicit WordStreamer(const Tokenizer& t) : stream_(t.decode_stream(/*skip_special_tokens=*/true)) {}
  void put(int64_t token) {
    if (auto chunk = stream_.step(static_cast<uint32_t>(token))) pending_ += *chunk;
    const size_t cut = pending_.find_last_of(" \n");
    if (cut == std::string::npos) return;
    std::cout << pending_.substr(0, cut + 1) << std::flush;
    pending_.erase(0, cut + 1);
  }
  void finish() { std::cout << pending_ << "\n" << std::flush; }

 private:
  Tokenizer::DecodeStream stream_;
  std::string pending_;
};

}  // namespace

CUDDLE_CLI_COMMAND("generate", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("generate", "Continue prompts with a causal language model (GPT-2, Llama, ...)");
  auto a = std::make_shared<GenerateArgs>();
  cmd->add_option("PROMPT", a->prompts, "prompts (the first is the model folder when --model is not given)");
  cmd->add_option("--model", a->model, "model folder or Hub repo id with config.json, weights and tokenizer");
  cmd->add_option("--prompt", a->prompt_options, "a prompt (repeatable; the same as a PROMPT argument)");
  auto* max_new = cmd->add_option("--max_new_tokens,--max-new-tokens", a->max_new_tokens,
                                  "tokens to generate (default: generation_config.json, else max_length 20)");
  cmd->add_flag("--do_sample,--do-sample", a->do_sample, "sample instead of greedy decoding");
  auto* temperature = cmd->add_option("--temperature", a->temperature, "sampling temperature (1)");
  auto* top_k = cmd->add_option("--top_k,--top-k", a->top_k, "sample among the K most likely tokens (50; 0 = all)");
  auto* top_p = cmd->add_option("--top_p,--top-p", a->top_p, "nucleus sampling mass in (0, 1] (1)");
  auto* penalty = cmd->add_option("--repetition_penalty,--repetition-penalty", a->repetition_penalty,
                                  "penalty for tokens already in the sequence (1 = none)");
  auto* seed = cmd->add_option("--seed", a->seed, "seed of the sampler (the same seed gives the same tokens)");
  auto* beams = cmd->add_option("--num_beams,--num-beams", a->num_beams, "beam search with B beams (1: none)");
  auto* returns = cmd->add_option("--num_return_sequences,--num-return-sequences", a->num_return_sequences,
                                  "beam search: the R best sequences per prompt (1)");
  auto* length = cmd->add_option("--length_penalty,--length-penalty", a->length_penalty,
                                 "beam search: scores are summed log-probs / length^L (1)");
  cmd->add_option("--early_stopping,--early-stopping", a->early_stopping, "beam search: true, false or never");
  cmd->add_flag("--json", a->json, "print per prompt {\"text\", \"sequences\"} as JSON");
  return [a, max_new, temperature, top_k, top_p, penalty, seed, beams, returns, length]() {
    if (a->model.empty()) {
      if (a->prompts.empty()) throw Error("generate: give --model M (or the model folder as first argument)");
      a->model = a->prompts.front();
      a->prompts.erase(a->prompts.begin());
    }
    a->prompts.insert(a->prompts.end(), a->prompt_options.begin(), a->prompt_options.end());
    if (a->prompts.empty()) throw Error("generate: no prompt (give PROMPT arguments or --prompt)");
    const std::string dir = resolve_pretrained_dir(a->model);
    auto model = AutoModelForCausalLM::from_pretrained(dir);
    const CausalLM& lm = as_causal_lm(*model);
    const AutoTokenizer tok = AutoTokenizer::from_pretrained(dir);
    GenerationConfig g = GenerationConfig::from_pretrained(dir);
    if (*max_new) g.max_new_tokens = a->max_new_tokens;
    g.do_sample = g.do_sample || a->do_sample;
    if (*temperature) g.temperature = a->temperature;
    if (*top_k) g.top_k = a->top_k;
    if (*top_p) g.top_p = a->top_p;
    if (*penalty) g.repetition_penalty = a->repetition_penalty;
    if (*seed) g.seed = a->seed;
    if (*beams) g.num_beams = a->num_beams;
    if (*returns) g.num_return_sequences = a->num_return_sequences;
    if (*length) g.length_penalty = a->length_penalty;
    if (!a->early_stopping.empty()) g.early_stopping = a->early_stopping;
    g.validate();
    const bool beam = g.num_beams > 1;
    auto text_of = [&](const std::vector<int64_t>& ids) {
      return tok.decode(std::vector<uint32_t>(ids.begin(), ids.end()), /*skip_special_tokens=*/true);
    };
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& prompt_text : a->prompts) {
      const Encoding enc = tok.tokenizer().encode(prompt_text);
      const std::vector<int64_t> prompt(enc.ids.begin(), enc.ids.end());
      GenerateCallbacks cb;
      std::optional<WordStreamer> streamer;
      if (!a->json && !beam) {
        std::cout << prompt_text << std::flush;
        streamer.emplace(tok.tokenizer());
        cb.on_token = [&](size_t, int64_t t) { streamer->put(t); };
      }
      GenerateOutput out = generate(lm, {prompt}, g, cb);
      if (streamer) streamer->finish();
      for (size_t i = 0; i < out.sequences.size(); ++i) {
        const auto& seq = out.sequences[i];
        const std::string text = text_of({seq.begin() + int64_t(prompt.size()), seq.end()});
        nlohmann::ordered_json one = {{"prompt", prompt_text}, {"text", text}, {"sequences", seq}};
        if (beam) one["score"] = out.sequences_scores[i];
        if (beam && !a->json) std::cout << prompt_text << text << "\n";
        results.push_back(std::move(one));
      }
    }
    if (a->json) std::cout << results.dump(2) << "\n";
    return 0;
  };
});

}  // namespace cuddle::cli
