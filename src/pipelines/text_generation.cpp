// text-generation: continues each prompt with generate() (cuddle/generation.h) under the
// model's generation_config.json and the pipeline's options, as transformers'
// TextGenerationPipeline: the prompt is tokenized with the tokenizer's special tokens,
// and the result is [{"generated_text": ...}] per prompt, the decoded sequence (special
// tokens skipped) with the decoded prompt's characters replaced by the prompt itself
// (return_full_text) or removed.
#include <algorithm>
#include <filesystem>

#include "cuddle/generation.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

// Python's len() of UTF-8 text: code points (continuation bytes do not count).
size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// s[n:] in code points.
std::string drop_code_points(const std::string& s, size_t n) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == n) break;
  return s.substr(i);
}

class TextGeneration : public PipelineTask {
 public:
  TextGeneration(ModelPtr m, TokenizerPtr t, const PipelineOptions& o, GenerationConfig defaults)
      : PipelineTask("text-generation", std::move(m), std::move(t), o), defaults_(std::move(defaults)) {}

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const GenerationConfig config = config_for(o);
    const CausalLM& lm = as_causal_lm(model());
    PipelineOutput out = PipelineOutput::array();
    for (const auto& in : inputs) {
      const Encoding enc = tokenizer().tokenizer().encode(in.text);
      const std::vector<int64_t> prompt(enc.ids.begin(), enc.ids.end());
      GenerationConfig g = config;
      // transformers' pipeline default of 256 new tokens, cut to what learned position
      // embeddings can hold (explicit lengths beyond them stay an error).
      if (!g.max_new_tokens)
        g.max_new_tokens = lm.positions_are_hard_limit()
                               ? std::clamp<int64_t>(lm.max_positions() - int64_t(prompt.size()), 0, 256)
                               : 256;
      const std::vector<int64_t> seq = generate(lm, {prompt}, g).sequences[0];
      auto text_of = [&](const std::vector<int64_t>& ids) {
        return tokenizer().decode(std::vector<uint32_t>(ids.begin(), ids.end()), /*skip_special_tokens=*/true);
      };
      std::string text = drop_code_points(text_of(seq), code_points(text_of(prompt)));
      if (o.return_full_text) text = in.text + text;
      out.push_back(PipelineOutput::array({{{"generated_text", text}}}));
    }
    return out;
  }

 private:
  GenerationConfig config_for(const PipelineOptions& o) const {
    GenerationConfig g = defaults_;
    if (o.max_new_tokens) g.max_new_tokens = *o.max_new_tokens;
    if (o.do_sample) g.do_sample = *o.do_sample;
    if (o.temperature) g.temperature = *o.temperature;
    if (o.top_k) g.top_k = std::max(*o.top_k, 0);
    if (o.top_p) g.top_p = *o.top_p;
    if (o.repetition_penalty) g.repetition_penalty = *o.repetition_penalty;
    if (o.seed) g.seed = *o.seed;
    return g;
  }
  GenerationConfig defaults_;
};

}  // namespace

TaskPtr make_text_generation(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  as_causal_lm(*m);  // a model without a language-modeling head fails here, by name
  GenerationConfig defaults;
  const std::string& config_path = m->config().path;
  if (!config_path.empty()) defaults = GenerationConfig::from_pretrained(std::filesystem::path(config_path).parent_path());
  return std::make_shared<TextGeneration>(std::move(m), std::move(t), o, std::move(defaults));
}

}  // namespace cuddle::pipelines
