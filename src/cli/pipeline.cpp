// `cuddle pipeline TASK --model DIR_OR_REPO [options] [INPUT...]`: runs a transformers-style
// pipeline on the inputs given as arguments or read from --input (one text per line, or
// JSON Lines of strings / {"text": ...} / {"question": ..., "context": ...}). Image tasks
// take image files, and folders stand for every image inside (sorted). --json prints
// what transformers returns for that list of inputs; otherwise a readable table.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/adapter_flags.h"
#include "cli/command.h"
#include "cli/quant_flags.h"
#include "cuddle/pipeline.h"

namespace cuddle::cli {
namespace {

struct PipelineArgs {
  std::string task, model, input_file, candidate_labels, context, hypothesis_template, aggregation_strategy;
  std::vector<std::string> inputs, targets;
  int top_k = 0;
  size_t stride = 0;
  int64_t max_new_tokens = 0;
  float temperature = 1.0f, top_p = 1.0f, repetition_penalty = 1.0f;
  uint64_t seed = 0;
  bool do_sample = false, no_full_text = false;
  bool json = false;
  PipelineOptions opts;
  QuantFlags quant;
  AdapterFlags adapter;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "a, b,c" -> {"a", "b", "c"}, as transformers splits a candidate_labels string.
std::vector<std::string> split_labels(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');)
    if (!trim(part).empty()) out.push_back(trim(part));
  if (out.empty())
    throw Error("--candidate-labels \"" + s + "\": expected comma-separated labels, e.g. --candidate-labels sports,politics");
  return out;
}

PipelineInput parse_line(const std::string& line, const std::string& file, size_t lineno) {
  std::string where = file + ":" + std::to_string(lineno);
  if (line.empty() || (line[0] != '{' && line[0] != '"')) return PipelineInput(line);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    throw FormatError(where + ": not valid JSON");
  }
  if (j.is_string()) return PipelineInput(j.get<std::string>());
  if (j.is_object() && j.contains("question") && j.contains("context") && j["question"].is_string() &&
      j["context"].is_string())
    return PipelineInput::question(j["question"], j["context"]);
  if (j.is_object() && j.contains("text") && j["text"].is_string()) return PipelineInput(j["text"].get<std::string>());
  throw FormatError(where + ": expected a JSON string, {\"text\": ...} or {\"question\": ..., \"context\": ...}");
}

std::vector<PipelineInput> read_inputs(const PipelineArgs& a, bool images) {
  std::vector<PipelineInput> in;
  for (const auto& s : a.inputs) {
    if (images && std::filesystem::is_directory(s)) {
      for (const auto& path : list_images(s)) in.emplace_back(path);
      continue;
    }
    in.push_back(a.context.empty() ? PipelineInput(s) : PipelineInput::question(s, a.context));
  }
  if (!a.input_file.empty()) {
    std::ifstream f(a.input_file);
    if (!f) throw IoError(a.input_file + ": cannot open");
    size_t lineno = 0;
    for (std::string line; std::getline(f, line);) {
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (trim(line).empty()) continue;
      in.push_back(parse_line(line, a.input_file, lineno));
      if (!a.context.empty() && in.back().context.empty()) in.back().context = a.context;
    }
  }
  if (in.empty())
    throw Error(images ? "no inputs: give image files or folders as arguments, or --input FILE"
                       : "no inputs: give texts as arguments or --input FILE");
  return in;
}

std::string shorten(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 chars
  return s.substr(0, cut) + "...";
}

std::string value_text(const PipelineOutput& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    std::ostringstream ss;
    ss << std::fixed << std::setprecision(4) << v.get<double>();
    return ss.str();
  }
  if (v.is_array() && !v.empty() && (v[0].is_number() || v[0].is_array())) {
    std::string shape;
    for (const PipelineOutput* p = &v; p->is_array(); p = &(*p)[0]) shape += (shape.empty() ? "" : ", ") + std::to_string(p->size());
    return "[" + shape + "] floats";
  }
  return v.dump();
}

// One line per result object: its fields in transformers' order.
void print_object(const PipelineOutput& o) {
  std::cout << "   ";
  for (const auto& [k, v] : o.items()) std::cout << " " << k << "=" << value_text(v);
  std::cout << "\n";
}

bool scalar_object(const PipelineOutput& r) {
  if (!r.is_object()) return false;
  for (const auto& [k, v] : r.items())
    if (v.is_structured()) return false;
  return true;
}

// One result object per input with scalar fields (the best label, an answer): one aligned
// row per input, the input last. Anything else: the input, then one line per result.
void print_table(const std::vector<PipelineInput>& inputs, const PipelineOutput& out) {
  bool rows = std::all_of(out.begin(), out.end(), scalar_object);
  if (rows) {
    std::vector<size_t> width;
    for (const auto& [k, v] : out[0].items()) width.push_back(k.size());
    for (const auto& r : out) {
      size_t c = 0;
      for (const auto& [k, v] : r.items()) width[c] = std::max(width[c], value_text(v).size()), ++c;
    }
    auto cell = [&](const std::string& s, size_t c) { std::cout << std::left << std::setw(int(width[c]) + 2) << s; };
    size_t c = 0;
    for (const auto& [k, v] : out[0].items()) cell(k, c++);
    std::cout << "input\n";
    for (size_t i = 0; i < inputs.size(); ++i) {
      c = 0;
      for (const auto& [k, v] : out[i].items()) cell(value_text(v), c++);
      std::cout << shorten(inputs[i].text, 70) << "\n";
    }
    return;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const PipelineOutput& r = out[i];
    std::cout << shorten(inputs[i].text, 70) << "\n";
    if (r.is_object()) print_object(r);
    else if (r.is_array() && !r.empty() && r[0].is_object()) for (const auto& o : r) print_object(o);
    else if (r.is_array() && !r.empty() && r[0].is_array() && !r[0].empty() && r[0][0].is_object())
      for (const auto& mask : r) for (const auto& o : mask) print_object(o);
    else std::cout << "    " << value_text(r) << "\n";
  }
}

}  // namespace

CUDDLE_CLI_COMMAND("pipeline", [](CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "pipeline", "Run a transformers pipeline (text-classification, ner, fill-mask, text-generation, image-classification, ...)");
  auto a = std::make_shared<PipelineArgs>();
  std::string tasks;
  for (const auto& t : supported_pipeline_tasks()) tasks += (tasks.empty() ? "" : ", ") + t;
  cmd->add_option("TASK", a->task, "one of: " + tasks)->required();
  cmd->add_option("INPUT", a->inputs,
                  "input texts (questions for question-answering); image files or folders for image tasks");
  cmd->add_option("--model", a->model, "model folder or Hub repo id (org/name), or a PEFT adapter folder (its base "
                                       "model is loaded, then the adapter)")->required();
  a->adapter.add_to(*cmd);
  cmd->add_option("--revision", a->opts.revision, "branch, tag or commit of a repo id (default main)");
  a->quant.add_to(*cmd);
  auto* top_k = cmd->add_option("--top-k", a->top_k, "number of results per input (0 = all)");
  cmd->add_option("--batch-size", a->opts.batch_size, "inputs per forward pass (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--input", a->input_file, "file with one input per line, or JSON Lines");
  cmd->add_option("--function-to-apply", a->opts.function_to_apply,
                  "text- and image-classification: sigmoid, softmax or none");
  auto* aggregation = cmd->add_option("--aggregation-strategy", a->aggregation_strategy,
                                      "token-classification: none, simple, first, average or max (default none)");
  auto* stride = cmd->add_option("--stride", a->stride,
                                 "token-classification: read long texts in windows overlapping by N tokens");
  cmd->add_option("--targets", a->targets, "fill-mask: only score these tokens")->delimiter(',');
  cmd->add_option("--candidate-labels", a->candidate_labels,
                  "zero-shot(-image)-classification: comma-separated labels");
  auto* tpl = cmd->add_option("--hypothesis-template", a->hypothesis_template,
                              "zero-shot(-image)-classification: template with {} for the label (default "
                              "\"This example is {}.\" / \"This is a photo of {}.\")");
  cmd->add_flag("--multi-label", a->opts.multi_label, "zero-shot-classification: score labels independently");
  cmd->add_option("--context", a->context, "question-answering: the context the INPUT questions are about");
  cmd->add_option("--max-answer-len", a->opts.max_answer_len, "question-answering: longest answer in tokens (15)");
  cmd->add_option("--doc-stride", a->opts.doc_stride, "question-answering: overlap of context windows (128)");
  cmd->add_flag("--handle-impossible-answer", a->opts.handle_impossible_answer,
                "question-answering: allow the empty answer");
  cmd->add_flag("--sentence-embedding", a->opts.sentence_embedding,
                "feature-extraction: one mean-pooled, L2-normalised vector per input");
  cmd->add_option("--threshold", a->opts.threshold, "object-detection: keep detections scoring above this (0.5)");
  cmd->add_flag("--pool", a->opts.pool, "image-feature-extraction: the pooled output instead of every token");
  auto* max_new = cmd->add_option("--max-new-tokens,--max_new_tokens", a->max_new_tokens,
                                  "text-generation: tokens to generate (default 256)");
  cmd->add_flag("--do-sample,--do_sample", a->do_sample, "text-generation: sample instead of greedy decoding");
  auto* temperature = cmd->add_option("--temperature", a->temperature, "text-generation: sampling temperature");
  auto* top_p = cmd->add_option("--top-p,--top_p", a->top_p, "text-generation: nucleus sampling mass in (0, 1]");
  auto* penalty = cmd->add_option("--repetition-penalty,--repetition_penalty", a->repetition_penalty,
                                  "text-generation: penalty for tokens already in the sequence");
  auto* seed = cmd->add_option("--seed", a->seed, "text-generation: seed of the sampler");
  cmd->add_flag("--no-full-text", a->no_full_text, "text-generation: only the new text (return_full_text=False)");
  cmd->add_flag("--json", a->json, "print transformers' return value as JSON");
  return [a, top_k, tpl, aggregation, stride, max_new, temperature, top_p, penalty, seed]() {
    if (*max_new) a->opts.max_new_tokens = a->max_new_tokens;
    if (a->do_sample) a->opts.do_sample = true;
    if (*temperature) a->opts.temperature = a->temperature;
    if (*top_p) a->opts.top_p = a->top_p;
    if (*penalty) a->opts.repetition_penalty = a->repetition_penalty;
    if (*seed) a->opts.seed = a->seed;
    a->opts.return_full_text = !a->no_full_text;
    if (*top_k) a->opts.top_k = a->top_k;
    // A folder saved quantized is read as it is; the flags quantize an f32 one while loading.
    // An adapter goes on after loading (onto the quantized layers too: unmerged it adds to their output).
    a->adapter.resolve(a->model);
    a->opts.load_model = [config = a->quant.requested(), adapter = a->adapter](const std::string& dir, ModelTask task) {
      return adapter.apply(quant::load_quantized_model(dir, task, config));
    };
    if (*tpl) a->opts.hypothesis_template = a->hypothesis_template;
    // Given or not matters: transformers refuses --stride with an explicit "none" only.
    if (*aggregation) a->opts.aggregation_strategy = a->aggregation_strategy;
    if (*stride) a->opts.stride = a->stride;
    if (!a->candidate_labels.empty() || a->task == "zero-shot-classification" ||
        a->task == "zero-shot-image-classification")
      a->opts.candidate_labels = split_labels(a->candidate_labels);
    a->opts.targets = a->targets;
    const bool images = pipeline_task_takes_images(a->task);
    std::vector<PipelineInput> inputs = read_inputs(*a, images);
    Pipeline p = pipeline(a->task, a->model, a->opts);
    PipelineOutput out = p(inputs);
    if (a->json) std::cout << out.dump(2) << "\n";
    else print_table(inputs, out);
    return 0;
  };
});

}  // namespace cuddle::cli
