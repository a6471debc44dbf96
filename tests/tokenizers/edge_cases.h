// Inputs that stress the corners of tokenization, shared by the differential test and the
// unit tests: empty and whitespace-only text, line endings, NFD vs NFC, combining marks,
// emoji ZWJ sequences, CJK, right-to-left scripts, long words, digit runs, special-token
// strings inside text.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace cuddle::test {

inline std::vector<std::string> tokenizer_edge_cases() {
  std::vector<std::string> v = {
      "",
      " ",
      "   ",
      "\t",
      "\n",
      "\r\n",
      "a\r\nb\r\n\r\nc",
      "  leading and trailing  ",
      "many     spaces\t\ttabs\n\nnewlines",
      "caf\xC3\xA9 (NFC)",
      "cafe\xCC\x81 (NFD)",
      "A\xCC\x8A\xCC\x81 combining A\xCC\x80\xCC\x81\xCC\x82\xCC\x83",
      "Z\xCD\x91\xCD\x9B\xCC\x8D\xCD\x8A" "algo",
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0\x9F\x91\xA6 family",
      "\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88 flag \xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88 \xE4\xB8\xAD\xE6\x96\x87 \xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D",
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD8\xA8\xD8\xA7\xD9\x84\xD8\xB9\xD8\xA7\xD9\x84\xD9\x85 123",
      "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80 \xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1\xE0\xB8\xAA\xE0\xB8\x94\xE0\xB8\xB5",
      std::string(300, 'x'),
      "antidisestablishmentarianism" + std::string(120, 'z') + "ism",
      "1234567890123456789 3.14159 1,000,000 \xD9\xA1\xD9\xA2\xD9\xA3 \xE2\x91\xA0\xE2\x91\xA1 x\xC2\xB2",
      "<s>hello</s> <unk> <pad> <mask> [CLS] a [SEP] [MASK] [UNK]",
      "<|endoftext|>text<|startoftext|> <|begin_of_text|><|eot_id|> <|im_start|>user\nhi<|im_end|>",
      "<start_of_turn>user hi<end_of_turn> <bos><eos> <|end\xEF\xBD\x9C of\xE2\x96\x81sentence\xEF\xBD\x9C>",
      "Hello, World! It's 2024. Don't, I'll, we've, they're; \"quotes\" (parens) [brackets] {braces}",
      "\xC4\xB0stanbul \xC7\x85 \xE1\xBA\x9E \xEF\xAC\x81 ligature \xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3 full width",
      "ctrl\x01\x02 nul\xEF\xBF\xBD zw\xE2\x80\x8B" "b nbsp\xC2\xA0x ideo\xE3\x80\x80y",
      "\xE2\x96\x81" "already\xE2\x96\x81" "meta space",
      "https://example.com/path?q=1&r=2#frag user@example.com",
      "def f(x):\n    return x ** 2  # comment\n",
      "\xF0\x9D\x94\x98\xF0\x9D\x94\xAB\xF0\x9D\x94\xA6 math \xE2\x88\x80x\xE2\x88\x88\xE2\x84\x9D",
  };
  return v;
}

inline std::vector<std::pair<std::string, std::string>> tokenizer_edge_pairs() {
  return {{"Hello world!", "The quick brown fox."},
          {"", "only second"},
          {"only first", ""},
          {"\xE6\x97\xA5\xE6\x9C\xAC", "caf\xC3\xA9 cafe\xCC\x81"},
          {"<s> special </s>", "[SEP] [CLS]"}};
}

}  // namespace cuddle::test
