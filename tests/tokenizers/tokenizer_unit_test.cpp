// Behaviour the parity tests do not reach: byte offsets, the decode stream, per-call
// truncation and padding settings, and errors that name the file and the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/tokenizer.h"
#include "edge_cases.h"
#include "test_util.h"

using cuddle::Tokenizer;

namespace {

Tokenizer fixture_tokenizer(const std::string& name) {
  return Tokenizer::from_file(cuddle::test::fixture("tokenizers/" + name + "/tokenizer.json"));
}

std::string error_of(const std::string& json) {
  try {
    Tokenizer::from_json(json, "bad.json");
  } catch (const cuddle::Error& e) {
    return e.what();
  }
  return "";
}

TEST(TokenizerTest, ByteOffsetsSliceTheUtf8Input) {
  Tokenizer t = fixture_tokenizer("bytelevel_bpe_roberta");
  std::string text = "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC";
  auto bytes = t.encode(text, false, cuddle::OffsetType::Byte);
  auto chars = t.encode(text, false, cuddle::OffsetType::Char);
  ASSERT_EQ(bytes.ids, chars.ids);
  EXPECT_EQ(bytes.offsets.back().second, text.size());
  EXPECT_EQ(chars.offsets.back().second, 7u);  // 7 code points
}

TEST(TokenizerTest, DecodeStreamRebuildsTheText) {
  for (const char* name : {"llama2", "bytelevel_bpe_gpt2", "unigram_t5", "wordpiece"}) {
    Tokenizer t = fixture_tokenizer(name);
    for (const auto& text : cuddle::test::tokenizer_edge_cases()) {
      auto ids = t.encode(text, false).ids;
      auto stream = t.decode_stream(false);
      std::string streamed;
      for (uint32_t id : ids)
        if (auto chunk = stream.step(id)) streamed += *chunk;
      EXPECT_EQ(streamed, t.decode(ids, false)) << name << ": " << text;
    }
  }
}

TEST(TokenizerTest, TruncationAndPaddingPerCall) {
  Tokenizer t = fixture_tokenizer("wordpiece");
  cuddle::TruncationParams tr;
  tr.max_length = 8;
  tr.stride = 2;
  tr.direction = cuddle::Side::Left;
  t.set_truncation(tr);
  cuddle::PaddingParams p;
  p.fixed_length = 12;
  p.direction = cuddle::Side::Left;
  p.pad_id = 0;
  auto e = t.encode("The quick brown fox jumps over the lazy dog.");
  ASSERT_EQ(e.ids.size(), 8u);  // truncated, special tokens included
  EXPECT_EQ(e.ids.front(), *t.token_to_id("[CLS]"));
  t.set_padding(p);
  e = t.encode("The quick brown fox jumps over the lazy dog.");
  EXPECT_EQ(e.ids.size(), 12u);
  EXPECT_EQ(e.attention_mask[0], 0u);
  EXPECT_FALSE(e.overflowing.empty());
  for (const auto& o : e.overflowing) EXPECT_EQ(o.ids.size(), 12u);

  cuddle::TruncationParams only_second;
  only_second.max_length = 4;
  only_second.strategy = cuddle::TruncationStrategy::OnlySecond;
  t.set_truncation(only_second);
  EXPECT_THROW(t.encode("a b c d e f"), cuddle::Error);  // no second sequence
  cuddle::TruncationParams bad;
  bad.max_length = 4;
  bad.stride = 4;
  EXPECT_THROW(t.set_truncation(bad), cuddle::Error);
}

TEST(TokenizerTest, PreTokenizedWordsKeepTheirIndex) {
  Tokenizer t = fixture_tokenizer("wordpiece");
  auto e = t.encode(cuddle::TextInput::from_words({"hello", "worldwide"}), false);
  ASSERT_FALSE(e.word_ids.empty());
  EXPECT_EQ(*e.word_ids.front(), 0u);
  EXPECT_EQ(*e.word_ids.back(), 1u);
}

TEST(TokenizerTest, ErrorsNameTheFileAndKey) {
  EXPECT_NE(error_of("{").find("bad.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"type": "Magic"}})").find("bad.json: model.type: unknown model type \"Magic\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"normalizer": {"type": "NFX"}, "model": {"type": "WordLevel", "vocab": {}}})").find("normalizer.type"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})")
                .find("model.merges[0]: merge token \"b\" is not in the vocab"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"},
                         "model": {"type": "WordLevel", "vocab": {}}})")
                .find("invalid regex"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]], "unk_id": 5}})").find("model.unk_id"),
            std::string::npos);
  EXPECT_THROW(Tokenizer::from_file("/nonexistent/tokenizer.json"), cuddle::IoError);
}

// A vocab id far past the entry count is refused before any id table is sized by it.
TEST(TokenizerTest, SparseVocabIdsAreRefused) {
  for (const char* type : {"WordPiece", "WordLevel", "BPE"}) {
    std::string json = std::string(R"({"model": {"type": ")") + type +
                       R"(", "unk_token": "a", "vocab": {"a": 0, "b": 2147483647}}})";
    EXPECT_NE(error_of(json).find("ids are too sparse (max id 2147483647)"), std::string::npos) << type;
  }
  // Ids past the count but dense enough are fine; the token named last for an id wins.
  Tokenizer t = Tokenizer::from_json(
      R"({"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "x": 7, "y": 7}}})", "ok.json");
  EXPECT_EQ(t.id_to_token(7), "y");
  EXPECT_EQ(t.id_to_token(3), std::nullopt);
  EXPECT_EQ(t.token_to_id("x"), 7u);
}

// Files are mapped when their last page has room for the parser's padding and read into
// a buffer otherwise: both ways, and at the boundary, load the same tokenizer.
TEST(TokenizerTest, FileSizeAroundAPageBoundaryLoadsTheSame) {
  const std::string json = R"({"model": {"type": "WordLevel", "unk_token": "?", "vocab": {"?": 0, "hi": 1}},
                               "pre_tokenizer": {"type": "Whitespace"}})";
  cuddle::test::TempDir dir;
  for (size_t size : {size_t{4096 - 65}, size_t{4096 - 64}, size_t{4096 - 63}, size_t{4096}, size_t{8192 - 1}}) {
    std::string padded = json + std::string(size - json.size(), ' ');
    std::string path = dir.path() + "/t" + std::to_string(size) + ".json";
    cuddle::test::write_file(path, padded);
    EXPECT_EQ(Tokenizer::from_file(path).encode("hi there", false).ids, (std::vector<uint32_t>{1, 0})) << size;
  }
}

// Merges are resolved in blocks of lookups; the error must still name the first bad one,
// also when a later one in its block is malformed.
TEST(TokenizerTest, MergeErrorsNameTheFirstBadMerge) {
  auto with_merges = [](const std::vector<std::pair<size_t, std::string>>& bad) {
    std::vector<std::string> merges(10000, "\"a b\"");
    for (const auto& [i, m] : bad) merges[i] = m;
    std::string list;
    for (const auto& m : merges) list += (list.empty() ? "" : ",") + m;
    return error_of(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [)" + list + "]}}");
  };
  EXPECT_NE(with_merges({{20, "\"a c\""}, {25, "\"abc\""}}).find("model.merges[20]: merge token \"c\" is not in the vocab"),
            std::string::npos);
  EXPECT_NE(with_merges({{20, "\"abc\""}, {25, "\"a c\""}}).find("model.merges[20]: expected a merge"), std::string::npos);
  EXPECT_NE(with_merges({{5000, "[\"b\", \"a\"]"}, {9000, "7"}}).find("model.merges[5000]: merged token \"ba\""),
            std::string::npos);
}

// An empty token in the vocab is a key like any other (and not a single char).
TEST(TokenizerTest, BpeVocabMayHoldAnEmptyToken) {
  Tokenizer t = Tokenizer::from_json(R"({"model": {"type": "BPE", "vocab": {"": 0, "a": 1, "b": 2, "ab": 3}, "merges": ["a b"]}})");
  EXPECT_EQ(t.encode("ab", false).ids, std::vector<uint32_t>{3});
  EXPECT_EQ(t.token_to_id(""), 0u);
}

TEST(TokenizerTest, InvalidUtf8InputIsAnError) {
  Tokenizer t = fixture_tokenizer("wordpiece");
  EXPECT_THROW(t.encode(std::string("bad \xFF byte")), cuddle::Error);
}

TEST(TokenizerTest, CliTokenizeJsonAndDecode) {
  auto r = cuddle::test::run_cli({"tokenize", "--tokenizer", cuddle::test::fixture("tokenizers/wordpiece"), "--json", "Hello world!"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"ids\":[2,50,4321,4326,4326,4323,65,4323,4317,4326,4367,5,3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type_ids\""), std::string::npos);
  r = cuddle::test::run_cli({"tokenize", "--tokenizer", cuddle::test::fixture("tokenizers/llama2"), "--decode", "1 22557 1526 28808"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s> Hello world!\n");
  r = cuddle::test::run_cli({"tokenize", "--tokenizer", cuddle::test::fixture("tokenizers/bytelevel_bpe_roberta"), "--input", "-", "--json"},
                            "\"two\\nlines\"\n{\"text\": \"obj\"}\nplain\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
  r = cuddle::test::run_cli({"tokenize", "--tokenizer", "/nonexistent", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cuddle: error: /nonexistent"), std::string::npos);
}

}  // namespace

// transformers writes null for unset booleans of tokenizer_config.json (the llama-causal
// fixture's "add_prefix_space": null): the default applies, as in transformers; a value of
// another type is a clear error naming the key.
TEST(AutoTokenizerTest, NullBooleanSettingsMeanTheDefault) {
  cuddle::test::TempDir dir;
  const std::string src = cuddle::test::fixture("tokenizers/llama2");
  std::filesystem::copy_file(src + "/tokenizer.json", dir / "tokenizer.json");
  auto cfg = nlohmann::json::parse(cuddle::test::read_file(src + "/tokenizer_config.json"));
  const auto reference = cuddle::AutoTokenizer::from_pretrained(src)({"Hello world"}).input_ids;
  cfg["add_prefix_space"] = nullptr;
  cfg["clean_up_tokenization_spaces"] = nullptr;
  cuddle::test::write_file(dir / "tokenizer_config.json", cfg.dump());
  EXPECT_EQ(cuddle::AutoTokenizer::from_pretrained(dir.path())({"Hello world"}).input_ids, reference);
  cfg["add_bos_token"] = "yes";
  cuddle::test::write_file(dir / "tokenizer_config.json", cfg.dump());
  const std::string err = cuddle::test::error_of([&] { cuddle::AutoTokenizer::from_pretrained(dir.path()); });
  EXPECT_NE(err.find("\"add_bos_token\" must be true or false"), std::string::npos) << err;
}
