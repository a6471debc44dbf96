// Hand-written scanners for the split regexes of well-known tokenizers (GPT-2's ByteLevel
// regex, the Llama-3 / Qwen2 and GPT-4o / o200k Split patterns). Each is recognised by its
// exact pattern string and finds the same matches as PCRE2 (UTF + UCP) does for that
// pattern, 2-3x faster than PCRE2 JIT; any other pattern stays with PCRE2.
#pragma once
#include <string_view>
#include <utility>
#include <vector>

namespace cuddle::tok {

// Appends the non-overlapping leftmost matches (start, end) of the pattern in `s`
// (valid UTF-8), as Regex::find_iter does.
using PatternScanner = void (*)(std::string_view s, std::vector<std::pair<size_t, size_t>>& out);

// The scanner of `pattern`, or nullptr when it is not a known one.
PatternScanner known_pattern_scanner(std::string_view pattern);

// GPT-2's word regex, which the ByteLevel pre-tokenizer applies.
std::string_view gpt2_pattern();

// The patterns with a scanner, for tests.
std::vector<std::string_view> known_patterns();

}  // namespace cuddle::tok
