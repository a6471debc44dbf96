// Split expressions ("train[:10%]+test", "validation[-5:]") resolved to row ranges with
// the rules of datasets' ReadInstruction (arrow_reader.py): parts joined by '+', each a
// split name with an optional [from:to] slice in rows or percent and an optional
// (rounding) for percent slices; percent bounds rounded to the closest row (Python's
// round, half to even) or, with pct1_dropremainder, in whole 1% blocks.
#include <cmath>
#include <string_view>

#include "cuddle/load_dataset.h"
#include "cuddle/error.h"

namespace cuddle::datasets {

namespace {

struct RelativePart {
  std::string text;  // the part as written, for errors
  std::string split;
  bool has_from = false, has_to = false;
  int64_t from = 0, to = 0;
  bool percent = false;
  std::string rounding;  // "closest" or "pct1_dropremainder" for percent slices, else empty
};

[[noreturn]] void fail(const std::string& spec, const std::string& why) {
  throw ShapeError("split '" + spec + "': " + why);
}

bool is_word(unsigned char c) {
  // Python's \w on str: letters, digits, '_' and (approximately) every non-ASCII character.
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

// Python's int() of "-?[0-9_]+": underscores only single and between digits.
int64_t parse_int(std::string_view s, const std::string& spec) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.front() == '_' || s.back() == '_') fail(spec, "invalid number '" + std::string(s) + "'");
  int64_t v = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (s[i + 1] == '_') fail(spec, "invalid number '" + std::string(s) + "'");
      continue;
    }
    if (v > (INT64_MAX - 9) / 10) fail(spec, "number out of range");
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

// One part: name ( '[' [bound] ':' [bound] ']' )? ( '(' rounding ')' )?
RelativePart parse_part(std::string_view p, const std::string& spec) {
  RelativePart r;
  r.text = std::string(p);
  size_t i = 0;
  // \w+(\.\w+)*
  auto word = [&] {
    size_t start = i;
    while (i < p.size() && is_word(static_cast<unsigned char>(p[i]))) ++i;
    return i > start;
  };
  if (!word()) fail(spec, "'" + r.text + "' does not start with a split name");
  while (i < p.size() && p[i] == '.') {
    ++i;
    if (!word()) fail(spec, "'" + r.text + "' is not a valid split name");
  }
  r.split = std::string(p.substr(0, i));
  bool from_pct = false, to_pct = false;
  auto bound = [&](bool& has, int64_t& value, bool& pct) {
    size_t start = i;
    if (i < p.size() && p[i] == '-') ++i;
    size_t digits = i;
    while (i < p.size() && (std::isdigit(static_cast<unsigned char>(p[i])) || p[i] == '_')) ++i;
    if (i == digits) {
      if (i != start) fail(spec, "'" + r.text + "': '-' without a number");
      return;
    }
    has = true;
    value = parse_int(p.substr(start, i - start), spec);
    if (i < p.size() && p[i] == '%') {
      pct = true;
      ++i;
    }
  };
  if (i < p.size() && p[i] == '[') {
    ++i;
    bound(r.has_from, r.from, from_pct);
    if (i >= p.size() || p[i] != ':') fail(spec, "'" + r.text + "': expected [from:to]");
    ++i;
    bound(r.has_to, r.to, to_pct);
    if (i >= p.size() || p[i] != ']') fail(spec, "'" + r.text + "': expected ']'");
    ++i;
  }
  r.percent = from_pct || to_pct;
  if (i < p.size() && p[i] == '(') {
    size_t close = p.find(')', i);
    if (close == std::string_view::npos || close + 1 != p.size()) fail(spec, "'" + r.text + "': unclosed '('");
    r.rounding = std::string(p.substr(i + 1, close - i - 1));
    i = close + 1;
    if (r.rounding != "closest" && r.rounding != "pct1_dropremainder")
      fail(spec, "rounding must be closest or pct1_dropremainder, not '" + r.rounding + "'");
    if (!r.percent) fail(spec, "'" + r.text + "': a rounding is only allowed with percent slices");
  }
  if (i != p.size()) fail(spec, "unrecognized instruction '" + r.text + "'");
  if (r.percent && ((r.has_from && std::abs(r.from) > 100) || (r.has_to && std::abs(r.to) > 100)))
    fail(spec, "'" + r.text + "': percent bounds must lie between -100% and 100%");
  if (r.percent && r.rounding.empty()) r.rounding = "closest";
  return r;
}

std::vector<RelativePart> parse_spec(const std::string& spec) {
  // Parts are separated by '+' with any spaces around it (datasets' \s*\+\s*).
  std::vector<RelativePart> parts;
  size_t start = 0;
  while (true) {
    size_t plus = spec.find('+', start);
    size_t end = plus == std::string::npos ? spec.size() : plus;
    size_t b = start, e = end;
    if (plus != std::string::npos)
      while (e > b && std::isspace(static_cast<unsigned char>(spec[e - 1]))) --e;
    if (start > 0)
      while (b < e && std::isspace(static_cast<unsigned char>(spec[b]))) ++b;
    parts.push_back(parse_part(std::string_view(spec).substr(b, e - b), spec));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  // datasets refuses to add percent slices with different roundings (compared with the first).
  for (const auto& p : parts)
    if (parts[0].percent && p.percent && p.rounding != parts[0].rounding)
      fail(spec, "percent slices with different roundings cannot be added");
  return parts;
}

int64_t percent_to_rows(const RelativePart& p, int64_t boundary, int64_t n, const std::string& spec) {
  if (p.rounding == "pct1_dropremainder") {
    if (n < 100)
      fail(spec, "pct1_dropremainder on split '" + p.split + "' with " + std::to_string(n) +
                     " rows (fewer than 100) always gives an empty dataset");
    return boundary * (n / 100);
  }
  // Python: int(round(boundary * n / 100.0)); nearbyint rounds half to even like round().
  return static_cast<int64_t>(std::nearbyint(static_cast<double>(boundary * n) / 100.0));
}

}  // namespace

std::vector<SplitSlice> resolve_split_spec(const std::string& spec,
                                           const std::vector<std::pair<std::string, int64_t>>& split_rows) {
  std::vector<SplitSlice> out;
  for (const RelativePart& p : parse_spec(spec)) {
    const std::pair<std::string, int64_t>* found = nullptr;
    for (const auto& s : split_rows)
      if (s.first == p.split) found = &s;
    if (!found) {
      std::string names;
      for (const auto& s : split_rows) names += (names.empty() ? "" : ", ") + s.first;
      fail(spec, "unknown split '" + p.split + "' (the splits are: " + names + ")");
    }
    const int64_t n = found->second;
    int64_t from = 0, to = n;
    if (p.percent) {
      if (p.has_from) from = percent_to_rows(p, p.from, n, spec);
      if (p.has_to) to = percent_to_rows(p, p.to, n, spec);
    } else {
      if (p.has_from) from = p.from;
      if (p.has_to) to = p.to;
    }
    // Negative bounds count from the end; everything is clamped to the split.
    if (from < 0) from = std::max<int64_t>(n + from, 0);
    if (to < 0) to = std::max<int64_t>(n + to, 0);
    from = std::min(from, n);
    to = std::min(to, n);
    if (to < from)
      fail(spec, "'" + p.text + "' selects rows " + std::to_string(from) + " to " + std::to_string(to) + " of split '" +
                     p.split + "' (" + std::to_string(n) + " rows): the end is before the start");
    out.push_back(SplitSlice{p.split, from, to});
  }
  return out;
}

Dataset select_split(const DatasetDict& dd, const std::string& spec) {
  std::vector<std::pair<std::string, int64_t>> sizes;
  for (const auto& [name, ds] : dd.splits) sizes.emplace_back(name, ds.num_rows());
  std::vector<Dataset> parts;
  for (const SplitSlice& s : resolve_split_spec(spec, sizes)) parts.push_back(dd[s.split].slice(s.begin, s.end));
  return parts.size() == 1 ? parts[0] : concatenate_datasets(parts);
}

}  // namespace cuddle::datasets
