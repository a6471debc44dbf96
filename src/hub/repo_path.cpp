#include "hub/repo_path.h"

#include <cctype>

#include "hub/hash.h"

namespace cuddle::hub {

RepoType parse_repo_type(const std::string& name) {
  if (name == "model" || name == "models") return RepoType::Model;
  if (name == "dataset" || name == "datasets") return RepoType::Dataset;
  if (name == "space" || name == "spaces") return RepoType::Space;
  throw HubError("unknown repo type '" + name + "' (expected model, dataset or space)");
}

std::string repo_type_name(RepoType type) {
  switch (type) {
    case RepoType::Dataset: return "dataset";
    case RepoType::Space: return "space";
    default: return "model";
  }
}

static void validate_repo_part(const std::string& repo_id, const std::string& part) {
  auto bad = [&](const std::string& why) { throw HubError("invalid repo id '" + repo_id + "': " + why); };
  if (part.empty()) bad("empty name");
  if (part.size() > 96) bad("a part is longer than 96 characters");
  for (char c : part)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      bad(std::string("character '") + c + "' is not allowed (letters, digits, '-', '_', '.')");
  if (part.find("--") != std::string::npos || part.find("..") != std::string::npos) bad("'--' and '..' are forbidden");
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.')
    bad("a name cannot start or end with '-' or '.'");
}

void validate_repo_id(const std::string& repo_id) {
  size_t slash = repo_id.find('/');
  if (slash == std::string::npos) {
    validate_repo_part(repo_id, repo_id);
    return;
  }
  if (repo_id.find('/', slash + 1) != std::string::npos)
    throw HubError("invalid repo id '" + repo_id + "': expected 'namespace/name'");
  validate_repo_part(repo_id, repo_id.substr(0, slash));
  validate_repo_part(repo_id, repo_id.substr(slash + 1));
}

void validate_repo_path(const std::string& path) {
  auto bad = [&](const std::string& why) { throw HubError("invalid path in repo '" + path + "': " + why); };
  if (path.empty()) bad("empty path");
  if (path.size() > 1024) bad("longer than 1024 bytes");
  if (path.front() == '/') bad("absolute paths are not allowed");
  for (char c : path)
    if (c == '\0' || c == '\\' || static_cast<unsigned char>(c) < 0x20) bad("control characters and '\\' are not allowed");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") bad("empty, '.' and '..' segments are not allowed");
    start = end + 1;
  }
}

void validate_revision(const std::string& revision) {
  auto bad = [&](const std::string& why) { throw HubError("invalid revision '" + revision + "': " + why); };
  if (revision.empty()) bad("empty");
  if (revision.size() > 256) bad("longer than 256 bytes");
  if (revision.front() == '/' || revision.back() == '/') bad("cannot start or end with '/'");
  if (revision.find("..") != std::string::npos || revision.find("//") != std::string::npos) bad("'..' and '//' are not allowed");
  for (char c : revision)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' ||
        c == '*' || c == '[')
      bad("characters not allowed in git ref names");
}

bool is_hex_commit(std::string_view s) { return is_hex(s, 40); }

std::string cache_folder_name(RepoType type, const std::string& repo_id) {
  std::string out = api_type_segment(type) + "--";
  for (char c : repo_id) {
    if (c == '/')
      out += "--";
    else
      out += c;
  }
  return out;
}

std::string url_type_prefix(RepoType type) { return type == RepoType::Model ? "" : api_type_segment(type) + "/"; }

std::string api_type_segment(RepoType type) { return repo_type_name(type) + "s"; }

std::string url_encode(std::string_view s, bool keep_slash) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
      throw HubError("malformed percent-escape in '" + std::string(s) + "'");
    out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
    i += 2;
  }
  return out;
}

// Iterative wildcard match with one backtrack point for '*' (linear in practice, no
// recursion for fuzzers to blow up); supports '*', '?' and [set] / [!set].
bool fnmatch(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star_p = std::string_view::npos, star_s = 0;
  auto match_class = [&](size_t& idx, char c) -> int {  // -1 malformed, 0 no, 1 yes
    size_t j = idx + 1;
    bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
    if (negate) ++j;
    bool found = false;
    size_t first = j;
    while (j < p.size() && (p[j] != ']' || j == first)) {
      if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
        if (p[j] <= c && c <= p[j + 2]) found = true;
        j += 3;
      } else {
        if (p[j] == c) found = true;
        ++j;
      }
    }
    if (j >= p.size()) return -1;
    idx = j + 1;
    return found != negate ? 1 : 0;
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = pi++;
      star_s = si;
      continue;
    }
    if (pi < p.size()) {
      if (p[pi] == '?') {
        ++pi, ++si;
        continue;
      }
      if (p[pi] == '[') {
        size_t idx = pi;
        int m = match_class(idx, s[si]);
        if (m == 1) {
          pi = idx, ++si;
          continue;
        }
        if (m == -1 && s[si] == '[') {  // a lone '[' is literal
          ++pi, ++si;
          continue;
        }
      } else if (p[pi] == s[si]) {
        ++pi, ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

static bool any_match(const std::vector<std::string>& patterns, const std::string& path) {
  for (const auto& pat : patterns) {
    std::string p = !pat.empty() && pat.back() == '/' ? pat + "*" : pat;
    if (fnmatch(p, path)) return true;
  }
  return false;
}

bool path_selected(const std::string& path, const std::vector<std::string>& allow,
                   const std::vector<std::string>& ignore) {
  if (!allow.empty() && !any_match(allow, path)) return false;
  return !any_match(ignore, path);
}

}  // namespace cuddle::hub
