#include "tokenizers/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "cuddle/error.h"

namespace cuddle::tok {

Regex::Regex(const std::string& pattern, bool use_scanner) : pattern_(pattern) {
  if (use_scanner) scanner_ = known_pattern_scanner(pattern);
  if (scanner_) return;
  int err;
  PCRE2_SIZE off;
  auto* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw FormatError("invalid regex \"" + pattern + "\" at offset " + std::to_string(off) + ": " +
                      reinterpret_cast<char*>(msg));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT fails
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

void Regex::find_iter(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) const {
  if (scanner_) return scanner_(s, out);
  auto* code = static_cast<pcre2_code*>(code_);
  // One match-data block per thread: encode runs in parallel over a batch.
  thread_local pcre2_match_data* md = pcre2_match_data_create(16, nullptr);
  auto subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  size_t pos = 0;
  while (pos <= s.size()) {
    int rc = pcre2_match(code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t b = ov[0], e = ov[1];
    out.emplace_back(b, e);
    if (e == b) {
      // Empty match: step over one char so the scan advances (as Oniguruma's iterator does).
      if (e >= s.size()) break;
      int len;
      decode_utf8(s, e, &len);
      pos = e + len;
    } else {
      pos = e;
    }
  }
}

static Matches cover(std::string_view s, const std::vector<std::pair<size_t, size_t>>& found) {
  Matches out;
  if (s.empty()) {
    out.push_back({0, 0, false});
    return out;
  }
  size_t prev = 0;
  for (auto [b, e] : found) {
    if (prev != b) out.push_back({prev, b, false});
    out.push_back({b, e, true});
    prev = e;
  }
  if (prev != s.size()) out.push_back({prev, s.size(), false});
  return out;
}

Matches find_matches(const Regex& re, std::string_view s) {
  if (s.empty()) return cover(s, {});
  std::vector<std::pair<size_t, size_t>> found;
  re.find_iter(s, found);
  return cover(s, found);
}

Matches find_matches_literal(std::string_view needle, std::string_view s) {
  if (needle.empty()) return {{0, to_chars(s).size(), false}};  // HF's quirk: a char count
  if (s.empty()) return cover(s, {});
  std::vector<std::pair<size_t, size_t>> found;
  for (size_t pos = s.find(needle); pos != std::string_view::npos; pos = s.find(needle, pos + needle.size()))
    found.emplace_back(pos, pos + needle.size());
  return cover(s, found);
}

}  // namespace cuddle::tok
