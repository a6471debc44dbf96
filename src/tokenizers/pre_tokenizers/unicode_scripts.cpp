// UnicodeScripts pre-tokenizer (SentencePiece's script split, as HF tokenizers does it):
// a piece is cut before every char whose script differs from the last script seen.
#include <algorithm>

#include "tokenizers/pre_tokenizers/pre_tokenizer.h"
#include "tokenizers/unicode.h"
#include "tokenizers/unicode_scripts_table.h"

namespace cuddle::tok {
namespace {

Script script_of(char32_t c) {
  auto it = std::upper_bound(std::begin(kScriptRanges), std::end(kScriptRanges), c,
                             [](char32_t x, const ScriptRange& r) { return x < r.first; });
  if (it == std::begin(kScriptRanges) || c > (--it)->last) return Script::Any;
  return it->script;
}

// The script SentencePiece's IsValidSentencePiece compares: kana counts as Han so that
// Japanese text stays one piece (U+30FC, the prolonged sound mark, is Common in Unicode),
// and only U+0020 (not other whitespace) belongs to every script.
Script fixed_script(char32_t c) {
  if (c == 0x30FC) return Script::Han;
  if (c == U' ') return Script::Any;
  Script s = script_of(c);
  return s == Script::Hiragana || s == Script::Katakana ? Script::Han : s;
}

class UnicodeScripts : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([](size_t, NormalizedString n) {
      // Cuts before each char of a script other than the previous one; an Any char neither
      // cuts nor changes the previous script. Before the first non-Any char there is no
      // cut, so leading spaces fall outside every piece and are dropped, as in HF.
      const std::string& str = n.get();
      std::vector<size_t> cuts;
      Script last = Script::Any;
      for (size_t i = 0; i < str.size();) {
        int len;
        Script script = fixed_script(decode_utf8(str, i, &len));
        if (script != Script::Any) {
          if (script != last) cuts.push_back(i);
          last = script;
        }
        i += len;
      }
      cuts.push_back(str.size());
      std::vector<NormalizedString> pieces;
      for (size_t k = 0; k + 1 < cuts.size(); ++k) pieces.push_back(n.slice(cuts[k], cuts[k + 1]));
      return as_splits(std::move(pieces));
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_unicode_scripts_pre_tokenizer() { return std::make_unique<UnicodeScripts>(); }

}  // namespace cuddle::tok
