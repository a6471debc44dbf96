// GenerationConfig from generation_config.json (or config.json), with transformers' names
// and defaults, and the argument checks transformers' GenerationConfig.validate makes.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "cuddle/generation.h"
#include "models/config_json.h"

namespace cuddle {

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot open " + path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not valid JSON (" + e.what() + ")");
  }
}

// eos_token_id is an integer or a list of them (Llama 3 ends on several tokens).
std::vector<int64_t> token_list(const models::ConfigReader& r, const char* key) {
  auto it = r.json().find(key);
  if (it == r.json().end() || it->is_null()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  std::vector<int64_t> out;
  if (it->is_array())
    for (const auto& v : *it) {
      if (!v.is_number_integer()) r.fail(key, "an integer or a list of integers");
      out.push_back(v.get<int64_t>());
    }
  else
    r.fail(key, "an integer or a list of integers");
  return out;
}

}  // namespace

GenerationConfig GenerationConfig::from_pretrained(const std::string& dir) {
  GenerationConfig g;
  const std::string gen_path = dir + "/generation_config.json";
  const bool has_gen = std::filesystem::exists(gen_path);
  const std::string path = has_gen ? gen_path : dir + "/config.json";
  const nlohmann::json j = read_json(path);
  const models::ConfigReader r(j, path);
  g.eos_token_ids = token_list(r, "eos_token_id");
  g.pad_token_id = r.optional_integer("pad_token_id", std::nullopt);
  g.bos_token_id = r.optional_integer("bos_token_id", std::nullopt);
  if (!has_gen) return g;  // config.json's sampling keys are not generation defaults
  if (auto n = r.optional_integer("max_new_tokens", std::nullopt)) g.max_new_tokens = *n;
  g.max_length = r.integer("max_length", g.max_length);
  g.min_new_tokens = r.integer("min_new_tokens", g.min_new_tokens);
  g.do_sample = r.boolean("do_sample", g.do_sample);
  g.temperature = float(r.number("temperature", g.temperature));
  g.top_k = r.integer("top_k", g.top_k);
  g.top_p = float(r.number("top_p", g.top_p));
  g.repetition_penalty = float(r.number("repetition_penalty", g.repetition_penalty));
  g.min_p = float(r.number("min_p", g.min_p));
  g.typical_p = float(r.number("typical_p", g.typical_p));
  g.forced_bos_token_id = r.optional_integer("forced_bos_token_id", std::nullopt);
  g.forced_eos_token_id = r.optional_integer("forced_eos_token_id", std::nullopt);
  g.no_repeat_ngram_size = r.integer("no_repeat_ngram_size", g.no_repeat_ngram_size);
  g.num_beams = r.integer("num_beams", g.num_beams);
  g.num_return_sequences = r.integer("num_return_sequences", g.num_return_sequences);
  g.length_penalty = float(r.number("length_penalty", g.length_penalty));
  // A bool, or the string "never".
  if (auto it = j.find("early_stopping"); it != j.end() && !it->is_null()) {
    if (it->is_boolean()) g.early_stopping = it->get<bool>() ? "true" : "false";
    else if (it->is_string() && it->get<std::string>() == "never") g.early_stopping = "never";
    else r.fail("early_stopping", "true, false or \"never\"");
  }
  if (auto it = j.find("bad_words_ids"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) r.fail("bad_words_ids", "a list of lists of token ids");
    for (const auto& words : *it) {
      if (!words.is_array()) r.fail("bad_words_ids", "a list of lists of token ids");
      std::vector<int64_t> ids;
      for (const auto& id : words) {
        if (!id.is_number_integer()) r.fail("bad_words_ids", "a list of lists of token ids");
        ids.push_back(id.get<int64_t>());
      }
      g.bad_words_ids.push_back(std::move(ids));
    }
  }
  return g;
}

void GenerationConfig::validate() const {
  auto bad = [](const std::string& what) { throw Error("generation: " + what); };
  if (max_new_tokens && *max_new_tokens < 0)
    bad("max_new_tokens must be >= 0, got " + std::to_string(*max_new_tokens));
  if (max_length < 0) bad("max_length must be >= 0, got " + std::to_string(max_length));
  if (min_new_tokens < 0) bad("min_new_tokens must be >= 0, got " + std::to_string(min_new_tokens));
  if (!(repetition_penalty > 0.0f))
    bad("repetition_penalty must be a positive number, got " + std::to_string(repetition_penalty));
  if (top_k < 0) bad("top_k must be >= 0, got " + std::to_string(top_k));
  if (!(top_p > 0.0f && top_p <= 1.0f)) bad("top_p must be in (0, 1], got " + std::to_string(top_p));
  if (!(typical_p > 0.0f && typical_p <= 1.0f))
    bad("typical_p must be in (0, 1], got " + std::to_string(typical_p));
  if (!(min_p >= 0.0f && min_p <= 1.0f)) bad("min_p must be in [0, 1], got " + std::to_string(min_p));
  if (no_repeat_ngram_size < 0)
    bad("no_repeat_ngram_size must be >= 0, got " + std::to_string(no_repeat_ngram_size));
  for (const auto& words : bad_words_ids)
    if (words.empty()) bad("bad_words_ids holds an empty token sequence");
  if (num_beams < 1) bad("num_beams must be >= 1, got " + std::to_string(num_beams));
  if (num_return_sequences < 1 || num_return_sequences > num_beams)
    bad("num_return_sequences must be in 1..num_beams (" + std::to_string(num_beams) + "), got " +
        std::to_string(num_return_sequences));
  if (early_stopping != "false" && early_stopping != "true" && early_stopping != "never")
    bad("early_stopping must be true, false or \"never\", got \"" + early_stopping + "\"");
  if (num_beams > 1 && do_sample)
    bad("num_beams > 1 with do_sample (beam sampling) is not supported; use greedy beam search or sampling");
  if (num_beams > 1 && !stop_strings.empty()) bad("stop_strings are not supported with beam search");
  // Greedy decoding ignores the temperature (transformers only warns).
  if (do_sample && !(temperature > 0.0f))
    bad("temperature must be a positive number when sampling, got " + std::to_string(temperature));
}

}  // namespace cuddle
