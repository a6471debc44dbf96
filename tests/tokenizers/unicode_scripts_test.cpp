// The UnicodeScripts pre-tokenizer on hand-picked strings. Expectations are what HF
// tokenizers 0.23.2 gives (checked through its Node binding): SentencePiece's rules, where
// only U+0020 joins any script, kana counts as Han, and Common and Inherited chars (digits,
// punctuation, other whitespace, combining marks, emoji) are scripts of their own.
#include <gtest/gtest.h>

#include "cuddle/tokenizer.h"

namespace {

// The pieces UnicodeScripts cuts `text` into: a WordLevel model with only [UNK] turns
// every piece into one token whose byte offsets are the piece.
std::vector<std::string> pieces(const std::string& text) {
  static const cuddle::Tokenizer tok = cuddle::Tokenizer::from_json(R"({
      "pre_tokenizer": {"type": "UnicodeScripts"},
      "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}})",
                                                                     "unicode_scripts.json");
  std::vector<std::string> out;
  for (auto [start, end] : tok.encode(text, false, cuddle::OffsetType::Byte).offsets) out.push_back(text.substr(start, end - start));
  return out;
}

using V = std::vector<std::string>;

TEST(UnicodeScriptsTest, CutsWhereTheScriptChanges) {
  EXPECT_EQ(pieces("Hello Привет мир"), (V{"Hello ", "Привет мир"}));
  EXPECT_EQ(pieces("Ελλάδα-Greece"), (V{"Ελλάδα", "-", "Greece"}));
  EXPECT_EQ(pieces("x ١٢٣ عربي"), (V{"x ", "١٢٣ عربي"}));  // Arabic-Indic digits are Arabic
}

TEST(UnicodeScriptsTest, JapaneseStaysTogether) {
  EXPECT_EQ(pieces("どこで生れ。Yes"), (V{"どこで生れ", "。", "Yes"}));
  EXPECT_EQ(pieces("Apples are りんご 林檎"), (V{"Apples are ", "りんご 林檎"}));
  EXPECT_EQ(pieces("カタカナーとひらがな漢字"), (V{"カタカナーとひらがな漢字"}));  // U+30FC too
}

TEST(UnicodeScriptsTest, CommonCharsAreAScriptOfTheirOwn) {
  EXPECT_EQ(pieces("abc123def, ghi"), (V{"abc", "123", "def", ", ", "ghi"}));
  EXPECT_EQ(pieces("a\tb"), (V{"a", "\t", "b"}));          // only U+0020 joins any script
  EXPECT_EQ(pieces("a\u00A0b"), (V{"a", "\u00A0", "b"}));  // no-break space is Common
}

TEST(UnicodeScriptsTest, SpacesJoinThePreviousPieceAndLeadingOnesAreDropped) {
  EXPECT_EQ(pieces("  lead  trail  "), (V{"lead  trail  "}));
  EXPECT_EQ(pieces("   "), V{});
  EXPECT_EQ(pieces(""), V{});
}

TEST(UnicodeScriptsTest, CombiningMarksAreInherited) {
  // U+0301 is Inherited, not the script of its base letter.
  EXPECT_EQ(pieces("cafe\u0301 x"), (V{"cafe", "\u0301 ", "x"}));
  EXPECT_EQ(pieces("\u0301a"), (V{"\u0301", "a"}));
}

TEST(UnicodeScriptsTest, EmojiAfterUnicode9HaveNoScript) {
  // U+1F600 (Unicode 6.1) is Common; U+1F970 (11.0) is missing from HF's Unicode 9.0
  // table, so like a space it belongs to every script.
  EXPECT_EQ(pieces("hi😀there hi🥰there"), (V{"hi", "😀", "there hi🥰there"}));
}

TEST(UnicodeScriptsTest, ScriptsFixedSince9_0KeepTheir9_0Value) {
  // U+0589 ARMENIAN FULL STOP was Common in 9.0 (Armenian now).
  EXPECT_EQ(pieces("Հայ\u0589"), (V{"Հայ", "\u0589"}));
}

}  // namespace
