// `cuddle eval perplexity --model M --input FILE [--block_size N | --stride S] [--json] [--load_in_*]`:
// perplexity of a causal language model on FILE (plain text: the whole file; JSON Lines
// of strings or {"text": ...}: each text followed by the tokenizer's end token, the
// lm_heldout.json recipe), tokenized without special tokens. --block_size N scores
// consecutive N-token blocks (the incomplete last one dropped); --stride S is
// transformers' sliding-window recipe over windows of the model's context.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cuddle/generation.h"
#include "cli/quant_flags.h"
#include "cuddle/models.h"
#include "cuddle/pipeline.h"
#include "cuddle/tokenizer.h"

namespace cuddle::cli {
namespace {

struct PerplexityArgs {
  std::string model, input;
  int64_t block_size = 0, stride = 0;
  bool json = false;
  QuantFlags quant;
};

// The text to score: the file itself, or its JSON Lines' texts each followed by `end`.
std::string read_corpus(const std::string& path, const std::string& end) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string all = ss.str();
  const size_t first = all.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw FormatError(path + ": empty");
  if (all[first] != '{' && all[first] != '"') return all;
  std::string text;
  std::istringstream lines(all);
  size_t lineno = 0;
  for (std::string line; std::getline(lines, line);) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw FormatError(path + ":" + std::to_string(lineno) + ": not valid JSON (JSON Lines of strings or {\"text\": ...})");
    }
    if (j.is_object() && j.contains("text")) j = j["text"];
    if (!j.is_string())
      throw FormatError(path + ":" + std::to_string(lineno) + ": expected a JSON string or {\"text\": \"...\"}");
    text += j.get<std::string>() + end;
  }
  return text;
}

}  // namespace

CUDDLE_CLI_COMMAND("eval", [](CLI::App& app) {
  auto* eval = app.add_subcommand("eval", "Evaluate a model on a data file");
  eval->require_subcommand(1);
  auto* cmd = eval->add_subcommand("perplexity", "Perplexity of a causal language model on a text file");
  auto a = std::make_shared<PerplexityArgs>();
  cmd->add_option("--model", a->model, "model folder or Hub repo id with config.json, weights and tokenizer")->required();
  cmd->add_option("--input", a->input, "plain text, or JSON Lines of strings / {\"text\": ...}")->required();
  auto* block = cmd->add_option("--block_size,--block-size", a->block_size,
                                "score consecutive N-token blocks, dropping the incomplete last one");
  auto* stride = cmd->add_option("--stride", a->stride, "transformers' sliding window, advancing S tokens");
  block->excludes(stride);
  cmd->add_flag("--json", a->json, "print {\"perplexity\", \"tokens\", ...} as JSON");
  a->quant.add_to(*cmd);
  return [a, cmd]() {
    if (!cmd->parsed()) return 0;
    if (a->block_size <= 0 && a->stride <= 0)
      throw Error("eval perplexity: give --block_size N or --stride S (a positive number of tokens)");
    const std::string dir = resolve_pretrained_dir(a->model);
    // A folder saved quantized is read as it is; --load_in_* quantizes an f32 one.
    auto model = quant::load_quantized_model(dir, ModelTask::CausalLM, a->quant.requested());
    const AutoTokenizer tok = AutoTokenizer::from_pretrained(dir);
    const std::string text = read_corpus(a->input, tok.special_token("eos_token").value_or("<|endoftext|>"));
    const Encoding enc = tok.tokenizer().encode(text, /*add_special_tokens=*/false);
    const PerplexityResult r = perplexity(as_causal_lm(*model), std::vector<int64_t>(enc.ids.begin(), enc.ids.end()),
                                          a->block_size, a->stride);
    if (a->json) {
      nlohmann::ordered_json j = {{"perplexity", r.perplexity}, {"tokens", r.tokens}, {"nll", r.nll},
                                  {"windows", r.windows}, {"input_tokens", enc.ids.size()}};
      if (a->block_size > 0) j["block_size"] = a->block_size;
      else j["stride"] = a->stride;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "perplexity " << std::fixed << std::setprecision(4) << r.perplexity << " over " << r.tokens
                << " tokens (" << r.windows << " windows)\n";
    }
    return 0;
  };
});

}  // namespace cuddle::cli
