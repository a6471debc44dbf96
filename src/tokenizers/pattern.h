// Finding the pieces of a string that match a pattern, the way HF tokenizers' `Pattern`
// does: a list of (start, end, is_match) byte ranges covering the whole input.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/known_patterns.h"

namespace cuddle::tok {

struct PatternMatch {
  size_t start, end;
  bool is_match;
};
using Matches = std::vector<PatternMatch>;

// A PCRE2 regex compiled with UTF + UCP and JIT. Patterns are written for Oniguruma (HF
// uses onig); the syntax the Hub's tokenizers use is common to both. The well-known split
// patterns run on their hand-written scanner instead (known_patterns.h) unless
// `use_scanner` is false (tests compare the two).
class Regex {
 public:
  explicit Regex(const std::string& pattern, bool use_scanner = true);  // throws FormatError naming the pattern
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // Non-overlapping leftmost matches (start, end) in s.
  void find_iter(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  PatternScanner scanner_ = nullptr;
  void* code_ = nullptr;  // pcre2_code_8, when there is no scanner
};

// Matches of a regex (or a fixed string turned into a literal search), covering the input.
Matches find_matches(const Regex& re, std::string_view s);
Matches find_matches_literal(std::string_view needle, std::string_view s);

// Every char for which pred(c) holds is a match of its own.
template <class Pred>
Matches find_matches_pred(std::string_view s, Pred pred);

}  // namespace cuddle::tok

#include "tokenizers/unicode.h"

namespace cuddle::tok {
template <class Pred>
Matches find_matches_pred(std::string_view s, Pred pred) {
  Matches out;
  if (s.empty()) {
    out.push_back({0, 0, false});
    return out;
  }
  size_t last = 0;
  for (size_t i = 0; i < s.size();) {
    int len;
    char32_t c = decode_utf8(s, i, &len);
    if (pred(c)) {
      if (last < i) out.push_back({last, i, false});
      out.push_back({i, i + len, true});
      last = i + len;
    }
    i += len;
  }
  if (last < s.size()) out.push_back({last, s.size(), false});
  return out;
}
}  // namespace cuddle::tok
