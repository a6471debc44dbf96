// The hand-written scanners of known_patterns.h against PCRE2 on the same pattern: every
// code point in contexts that reach each alternative, random strings over the chars the
// patterns treat specially, and the corpus. Any difference fails with the input.
#include <gtest/gtest.h>

#include <iomanip>
#include <random>
#include <sstream>

#include "test_util.h"
#include "tokenizers/known_patterns.h"
#include "tokenizers/pattern.h"
#include "tokenizers/unicode.h"

namespace {

using cuddle::tok::Regex;
using Found = std::vector<std::pair<size_t, size_t>>;

std::string utf8(char32_t c) {
  std::string s;
  cuddle::tok::append_utf8(s, c);
  return s;
}

class KnownPatternTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    pcre2_ = std::make_unique<Regex>(std::string(GetParam()), false);
    scanner_ = std::make_unique<Regex>(std::string(GetParam()));
  }
  // Fails (with the input, escaped) where the scanner and PCRE2 disagree.
  void expect_same(const std::string& s) {
    Found want, got;
    pcre2_->find_iter(s, want);
    scanner_->find_iter(s, got);
    if (want == got) return;
    size_t k = 0;
    while (k < want.size() && k < got.size() && want[k] == got[k]) ++k;
    auto show = [](const Found& f, size_t k) {
      return k < f.size() ? std::to_string(f[k].first) + "-" + std::to_string(f[k].second) : std::string("none");
    };
    // The input around the first difference, escaped.
    size_t at = k < want.size() ? want[k].first : k < got.size() ? got[k].first : 0;
    size_t from = at > 40 ? at - 40 : 0;
    std::ostringstream esc;
    for (unsigned char ch : s.substr(from, 80)) {
      if (ch >= 0x20 && ch < 0x7F) esc << ch;
      else esc << "\\x" << std::hex << std::setw(2) << std::setfill('0') << int(ch) << std::dec;
    }
    ADD_FAILURE() << "input from byte " << from << ": \"" << esc.str() << "\": match " << k << " is " << show(got, k)
                  << ", PCRE2 has " << show(want, k);
  }
  std::unique_ptr<Regex> pcre2_, scanner_;
};

TEST(KnownPatterns, OnlyTheKnownPatternsHaveAScanner) {
  for (auto p : cuddle::tok::known_patterns()) EXPECT_NE(cuddle::tok::known_pattern_scanner(p), nullptr);
  EXPECT_EQ(cuddle::tok::known_pattern_scanner(R"(\p{N}{1,3})"), nullptr);
  EXPECT_EQ(cuddle::tok::known_pattern_scanner(std::string(cuddle::tok::known_patterns()[0]) + " "), nullptr);
}

TEST_P(KnownPatternTest, EveryCodePointInContext) {
  // Each code point c between letters, digits, spaces, apostrophes and line breaks, 256
  // code points to a string.
  std::string s;
  for (char32_t c = 0; c <= 0x110000; ++c) {
    if (c < 0x110000 && (c < 0xD800 || c >= 0xE000)) {
      std::string u = utf8(c);
      s += u + "a" + u + u + " " + u + "'" + u + "A" + u + "1" + u + "\n " + u + "'s" + u + "\r\n  " + u + "xY" + u +
           " !" + u + "  ";
    }
    if ((c % 256 == 255 || c == 0x110000) && !s.empty()) {
      expect_same(s);
      s.clear();
      if (HasFailure()) return;
    }
  }
}

TEST_P(KnownPatternTest, RandomStringsOfSpecialChars) {
  const std::vector<char32_t> alphabet = {
      'a', 'z', 'A', 'Z', 's', 'S', 't', 'T', 'r', 'R', 'e', 'E', 'v', 'V', 'm', 'M', 'l', 'L', 'd', 'D', 'k',
      '0', '5', '9', '\'', ' ', ' ', '\t', '\n', '\r', '\v', '\f', '/', '!', '.', '-', '_', '"',
      0x17F,    // long s: folds to s
      0x212A,   // Kelvin sign: folds to k
      0xA0, 0x85, 0x180E, 0x2028, 0x2029, 0x3000, 0x200B,  // spaces by one definition or another
      0x301, 0x903, 0x20DD, 0xFE0F,                         // marks Mn, Mc, Me, variation selector
      0x2B0, 0x1C5, 0x4E00, 0x3042, 0xE9, 0xC9, 0x3B1, 0x391,  // Lm, Lt, Lo, Ll, Lu
      0x2160, 0xB2, 0x661, 0xFF11,                          // Nl, No, Nd
      0x1F600, 0x1F469, 0x200D, 0x1F3FD,                    // emoji, ZWJ, skin tone
      0x31350, 0x1E4D0, 0xCF3,                              // assigned in Unicode 15, not in PCRE2's 14
      0x10FFFF, 0xFFFD};
  std::mt19937 rng(1234);
  for (int n = 0; n < 50000 && !HasFailure(); ++n) {
    std::string s;
    size_t len = rng() % 24;
    for (size_t k = 0; k < len; ++k) s += utf8(alphabet[rng() % alphabet.size()]);
    expect_same(s);
  }
}

TEST_P(KnownPatternTest, CorpusLines) {
  std::istringstream corpus(cuddle::test::read_file(cuddle::test::fixture("data/corpus.txt")));
  for (std::string line; std::getline(corpus, line) && !HasFailure();) expect_same(line);
}

std::string pattern_name(const ::testing::TestParamInfo<std::string_view>& info) {
  static const char* names[] = {"llama3", "qwen2", "gpt4o", "gpt2"};  // known_patterns() order
  return names[info.index];
}

INSTANTIATE_TEST_SUITE_P(Patterns, KnownPatternTest, ::testing::ValuesIn(cuddle::tok::known_patterns()), pattern_name);

}  // namespace
