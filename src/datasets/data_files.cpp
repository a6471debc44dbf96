// data_files resolution as datasets does it (data_files.py): globs matched like fsspec's
// glob (which follows Python's glob since fsspec 2023.12), hidden and special folders left
// out unless asked for, and the default split patterns that turn a folder's file and
// folder names (train/, test.csv, data/train-00000-of-00001.parquet) into splits.
#include <algorithm>
#include <filesystem>
#include <set>

#include "cuddle/error.h"
#include "cuddle/load_dataset.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {

DataFilePatterns data_files(std::vector<std::string> patterns) { return {{"train", std::move(patterns)}}; }

namespace {

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string::npos) slash = p.size();
    if (slash > start) parts.push_back(p.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool has_magic(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// One [..] class at pattern[i] (just after '['); sets `end` past the ']'. A '[' without
// a closing ']' is a literal, as fnmatch treats it.
bool match_class(const std::string& pat, size_t i, unsigned char c, size_t& end, bool& is_class) {
  size_t j = i;
  bool negate = j < pat.size() && pat[j] == '!';
  if (negate) ++j;
  size_t first = j;
  if (j < pat.size() && pat[j] == ']') ++j;  // a leading ']' is a member
  while (j < pat.size() && pat[j] != ']') ++j;
  if (j >= pat.size()) {
    is_class = false;
    return false;
  }
  is_class = true;
  end = j + 1;
  bool hit = false;
  for (size_t k = first; k < j; ++k) {
    if (k + 2 < j && pat[k + 1] == '-') {
      if (c >= static_cast<unsigned char>(pat[k]) && c <= static_cast<unsigned char>(pat[k + 2])) hit = true;
      k += 2;
    } else if (c == static_cast<unsigned char>(pat[k])) {
      hit = true;
    }
  }
  return hit != negate;
}

// One pattern element at pat[pi] against character c: '?', a [..] class or a literal.
// Sets `next` past the element.
bool match_one(const std::string& pat, size_t pi, unsigned char c, size_t& next) {
  if (pat[pi] == '?') {
    next = pi + 1;
    return true;
  }
  if (pat[pi] == '[') {
    size_t end = 0;
    bool is_class = false;
    bool hit = match_class(pat, pi + 1, c, end, is_class);
    if (is_class) {
      next = end;
      return hit;
    }
  }
  next = pi + 1;
  return static_cast<unsigned char>(pat[pi]) == c;
}

// Wildcard matching with only the last star ever retried, so hostile patterns from a
// dataset card stay O(n * m). Shared by names (stars are '*') and paths (stars are "**"
// segments): `is_star(pi)` tells a star element, `match(pi, si, next)` tries element pi on
// subject item si and sets the element after it.
template <class IsStar, class Match>
bool wildcard_match(size_t pattern_size, size_t subject_size, IsStar is_star, Match match) {
  size_t pi = 0, si = 0, star = std::string::npos, star_si = 0;
  while (si < subject_size) {
    size_t next = 0;
    if (pi < pattern_size && is_star(pi)) {
      star = ++pi;
      star_si = si;
    } else if (pi < pattern_size && match(pi, si, next)) {
      pi = next;
      ++si;
    } else if (star != std::string::npos) {
      pi = star;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (pi < pattern_size && is_star(pi)) ++pi;
  return pi == pattern_size;
}

// fnmatch of one path segment: '*' any run, '?' one character, [..] a class.
bool match_segment(const std::string& pat, const std::string& name) {
  return wildcard_match(
      pat.size(), name.size(), [&](size_t pi) { return pat[pi] == '*'; },
      [&](size_t pi, size_t ni, size_t& next) { return match_one(pat, pi, static_cast<unsigned char>(name[ni]), next); });
}

// Path match: a "**" segment stands for any number of folders (none included).
bool match_path(const std::vector<std::string>& pat, const std::vector<std::string>& path) {
  return wildcard_match(
      pat.size(), path.size(), [&](size_t pi) { return pat[pi] == "**"; },
      [&](size_t pi, size_t qi, size_t& next) {
        next = pi + 1;
        return match_segment(pat[pi], path[qi]);
      });
}

// Parts of `parts` (all but the last when `parents_only`) that start with `prefix`,
// counting "." and ".." out as datasets does.
size_t count_parts(const std::vector<std::string>& parts, const std::string& prefix, bool parents_only) {
  size_t n = 0, last = parents_only && !parts.empty() ? parts.size() - 1 : parts.size();
  for (size_t i = 0; i < last; ++i)
    if (parts[i].rfind(prefix, 0) == 0 && parts[i].find_first_not_of('.') != std::string::npos) ++n;
  return n;
}

// Files datasets never takes as data unless the pattern names them.
const std::set<std::string>& files_to_ignore() {
  static const std::set<std::string> s = {"README.md",         "config.json",     "dataset_info.json",
                                          "dataset_infos.json", "dummy_data.zip", "dataset_dict.json"};
  return s;
}

bool has_allowed_extension(const std::string& path, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return true;
  // Every suffix of the name counts ("a.csv.gz" has .csv and .gz), as datasets checks.
  std::string name = fs::path(path).filename().string();
  size_t dot = name.find('.');
  while (dot != std::string::npos) {
    size_t next = name.find('.', dot + 1);
    std::string ext = name.substr(dot, next == std::string::npos ? std::string::npos : next - dot);
    if (std::find(allowed.begin(), allowed.end(), ext) != allowed.end()) return true;
    dot = next;
  }
  return false;
}

}  // namespace

std::vector<std::string> resolve_pattern(const std::string& pattern, const std::string& base,
                                         const std::vector<std::string>& allowed_extensions) {
  const bool absolute = !pattern.empty() && pattern[0] == '/';
  const std::string root = absolute ? "/" : (base.empty() ? "." : base);
  const std::vector<std::string> pat = split_path(pattern);
  // Walk only below the pattern's literal leading folders.
  size_t fixed = 0;
  std::string walk_root = root;
  while (fixed + 1 < pat.size() && !has_magic(pat[fixed]) && pat[fixed] != "**") walk_root += "/" + pat[fixed++];
  const bool recursive = std::find(pat.begin(), pat.end(), "**") != pat.end();
  const std::string pattern_name = pat.empty() ? "" : pat.back();

  std::vector<std::string> out;
  std::error_code ec;
  auto consider = [&](const fs::path& file) {
    // Lexically: fs::relative would resolve symlinks (a Hub snapshot's files link to blobs/).
    std::string rel = file.lexically_normal().lexically_relative(fs::path(root).lexically_normal()).generic_string();
    std::vector<std::string> parts = split_path(rel);
    if (!match_path(pat, parts)) return;
    if (files_to_ignore().count(parts.back()) && parts.back() != pattern_name) return;
    if (count_parts(parts, "__", true) != count_parts(pat, "__", true)) return;
    if (count_parts(parts, ".", false) != count_parts(pat, ".", false)) return;
    if (!has_allowed_extension(rel, allowed_extensions)) return;
    out.push_back((fs::path(root) / rel).lexically_normal().generic_string());
  };
  if (!has_magic(pattern)) {
    // A plain path: the file itself (a folder is not a data file, as in datasets).
    fs::path p = absolute ? fs::path(pattern) : fs::path(root) / pattern;
    if (fs::is_regular_file(p, ec)) consider(p);
  } else if (fs::is_directory(walk_root, ec)) {
    const size_t depth_limit = pat.size() - fixed;
    for (auto it = fs::recursive_directory_iterator(walk_root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!recursive && static_cast<size_t>(it.depth()) + 1 >= depth_limit) it.disable_recursion_pending();
      if (it->is_regular_file(ec)) consider(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  if (out.empty())
    throw IoError("unable to find '" + pattern + "'" + (absolute ? "" : " in " + root) +
                  (allowed_extensions.empty() ? "" : " with a supported data file extension"));
  return out;
}

namespace {

const std::vector<std::pair<std::string, std::vector<std::string>>>& split_keywords() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> k = {
      {"train", {"train", "training"}},
      {"validation", {"validation", "valid", "dev", "val"}},
      {"test", {"test", "testing", "eval", "evaluation"}}};
  return k;
}

// datasets' default patterns for one split: the keywords in folder names, or in file
// names, separated from the rest by one of "-._ 0-9".
std::vector<std::string> keyword_patterns(const std::vector<std::string>& keywords, bool in_dir_name) {
  static const std::string sep = "[-._ 0-9]";
  std::vector<std::string> out;
  for (const auto& k : keywords) {
    if (in_dir_name) {
      out.push_back("**/" + k + "/**");
      out.push_back("**/" + k + sep + "*/**");
      out.push_back("**/*" + sep + k + "/**");
      out.push_back("**/*" + sep + k + sep + "*/**");
    } else {
      out.push_back("**/" + k + sep + "*");
      out.push_back("**/*" + sep + k + sep + "*");
    }
  }
  return out;
}

bool matches_any(const std::string& pattern, const std::string& base) {
  try {
    resolve_pattern(pattern, base);
    return true;
  } catch (const IoError&) {
    return false;
  }
}

bool valid_split_name(const std::string& s) {
  // datasets' _split_re: \w+(\.\w+)*
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string::npos) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c >= 0x80; });
}

}  // namespace

DataFilePatterns infer_data_patterns(const std::string& base) {
  // 1. Sharded split files: data/{split}-00000-of-00001*.*, what push_to_hub writes.
  const std::string sharded_tail = "-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*";
  try {
    std::set<std::string> splits;
    for (const auto& f : resolve_pattern("data/*" + sharded_tail, base)) {
      std::string name = fs::path(f).filename().string();
      // The split is what precedes the "-NNNNN-of-NNNNN" part.
      size_t of = name.find("-of-");
      std::string split = of != std::string::npos && of >= 6 ? name.substr(0, of - 6) : name;
      if (!valid_split_name(split))
        throw FormatError(f + ": split name '" + split + "' is not a valid split name (letters, digits, _ and .)");
      splits.insert(split);
    }
    DataFilePatterns out;
    for (const auto& [split, _] : split_keywords())
      if (splits.erase(split)) out.push_back({split, {"data/" + split + sharded_tail}});
    for (const auto& split : splits) out.push_back({split, {"data/" + split + sharded_tail}});
    return out;
  } catch (const IoError&) {
  }
  // 2. Split names in folder names, then 3. in file names: the first kind that matches
  // anything decides, with every split it matches.
  for (bool in_dir : {true, false}) {
    DataFilePatterns out;
    for (const auto& [split, keywords] : split_keywords()) {
      std::vector<std::string> patterns = keyword_patterns(keywords, in_dir);
      for (const auto& p : patterns)
        if (matches_any(p, base)) {
          out.push_back({split, patterns});
          break;
        }
    }
    if (!out.empty()) return out;
  }
  // 4. Everything is train.
  if (matches_any("**", base)) return {{"train", {"**"}}};
  throw IoError(base + ": no data files found");
}

}  // namespace cuddle::datasets
