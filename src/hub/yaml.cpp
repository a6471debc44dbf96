#include "hub/yaml.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::hub {

using ojson = nlohmann::ordered_json;

namespace {

constexpr int kMaxDepth = 64;

struct Line {
  int indent;
  std::string text;  // without indentation, comment and trailing spaces
  size_t number;     // 1-based
};

[[noreturn]] void fail(size_t line, const std::string& why) {
  throw FormatError("YAML front matter line " + std::to_string(line) + ": " + why);
}

// Whether position i of a line begins a scalar (where a quote opens a quoted scalar): the
// line start, after "- " items, after a "key: ", or after '[', '{' or ',' in flow style.
bool at_scalar_start(const std::string& s, size_t i) {
  size_t j = i;
  while (j > 0 && s[j - 1] == ' ') --j;
  if (j == 0) return true;
  char prev = s[j - 1];
  if (prev == '[' || prev == '{' || prev == ',') return true;
  if (prev == ':' && j < i) return true;
  if (prev == '-' && j < i) return at_scalar_start(s, j - 1);
  return false;
}

// Strips a comment: '#' at the start or after whitespace, outside quoted scalars.
std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) {
        if (quote == '\'' && i + 1 < s.size() && s[i + 1] == '\'') ++i;
        else quote = 0;
      } else if (quote == '"' && c == '\\') {
        ++i;
      }
    } else if ((c == '\'' || c == '"') && at_scalar_start(s, i)) {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  return b == std::string::npos ? "" : rtrim(s.substr(b));
}

bool iequals(const std::string& a, const char* b) {
  size_t n = std::char_traits<char>::length(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A plain scalar's type follows YAML 1.1 as PyYAML resolves it (the subset cards use).
ojson plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || iequals(s, "null")) return nullptr;
  if (iequals(s, "true") || iequals(s, "yes") || iequals(s, "on")) return true;
  if (iequals(s, "false") || iequals(s, "no") || iequals(s, "off")) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  bool digits = i < s.size(), dot = false, exp = false;
  for (size_t k = i; k < s.size() && digits; ++k) {
    char c = s[k];
    if (std::isdigit(static_cast<unsigned char>(c))) continue;
    if (c == '.' && !dot && !exp) dot = true;
    else if ((c == 'e' || c == 'E') && !exp && k > i && k + 1 < s.size()) {
      exp = true;
      if (s[k + 1] == '-' || s[k + 1] == '+') ++k;
    } else digits = false;
  }
  if (digits && s.find_first_of("0123456789") != std::string::npos) {
    try {
      if (!dot && !exp) {
        if (s.size() > 1 && s[i] == '0') return s;  // leading zeros: octal in YAML 1.1; keep as text
        return s[0] == '-' ? ojson(std::stoll(s)) : ojson(std::stoull(s));
      }
      // PyYAML needs a '.' for floats; "1e5" stays a string there.
      if (dot) return std::stod(s);
    } catch (const std::exception&) {
      return s;
    }
  }
  if (iequals(s, ".inf") || iequals(s, "+.inf") || iequals(s, "-.inf") || iequals(s, ".nan")) return s;
  return s;
}

class Parser {
 public:
  explicit Parser(const std::string& text) { split(text); }

  ojson document() {
    if (lines_.empty()) return ojson::object();
    ojson v = block(lines_[0].indent, 0);
    if (pos_ < lines_.size()) fail(lines_[pos_].number, "unexpected indentation");
    return v;
  }

 private:
  void split(const std::string& text) {
    size_t start = 0, number = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string raw = text.substr(start, end - start);
      start = end + 1;
      ++number;
      raw_.push_back(rtrim(raw));
      size_t ind = raw.find_first_not_of(' ');
      if (ind != std::string::npos && raw[ind] == '\t') fail(number, "tabs cannot indent YAML");
      std::string body = rtrim(strip_comment(raw));
      if (trim(body).empty()) continue;
      if (trim(body) == "---" || trim(body) == "...") fail(number, "multi-document YAML is not supported");
      lines_.push_back({static_cast<int>(body.find_first_not_of(' ')), trim(body), number});
      if (end == text.size()) break;
    }
  }

  // A block node whose lines are indented exactly `indent`.
  ojson block(int indent, int depth) {
    if (depth > kMaxDepth) fail(lines_[pos_].number, "nesting deeper than 64 levels");
    const Line& first = lines_[pos_];
    if (first.text == "?" || first.text.rfind("? ", 0) == 0) fail(first.number, "complex keys are not supported");
    if (first.text == "-" || first.text.rfind("- ", 0) == 0) return sequence(indent, depth);
    if (find_key_colon(first.text) != std::string::npos) return mapping(indent, depth);
    // A lone scalar (possibly continued on more-indented lines, folded with spaces).
    std::string text = first.text;
    ++pos_;
    while (pos_ < lines_.size() && lines_[pos_].indent >= indent) text += " " + lines_[pos_++].text;
    return scalar(text, first.number, depth);
  }

  ojson sequence(int indent, int depth) {
    ojson arr = ojson::array();
    while (pos_ < lines_.size() && lines_[pos_].indent == indent &&
           (lines_[pos_].text == "-" || lines_[pos_].text.rfind("- ", 0) == 0)) {
      Line line = lines_[pos_];
      std::string rest = line.text == "-" ? "" : trim(line.text.substr(2));
      if (rest.empty()) {
        ++pos_;
        if (pos_ < lines_.size() && lines_[pos_].indent > indent) arr.push_back(block(lines_[pos_].indent, depth + 1));
        else arr.push_back(nullptr);
        continue;
      }
      // "- key: value" opens a mapping whose keys sit at the column after "- ".
      int item_indent = indent + static_cast<int>(line.text.size() - rest.size());
      lines_[pos_].indent = item_indent;
      lines_[pos_].text = rest;
      arr.push_back(block(item_indent, depth + 1));
    }
    return arr;
  }

  ojson mapping(int indent, int depth) {
    ojson obj = ojson::object();
    while (pos_ < lines_.size() && lines_[pos_].indent == indent) {
      const Line line = lines_[pos_];
      size_t colon = find_key_colon(line.text);
      if (colon == std::string::npos) fail(line.number, "expected 'key: value'");
      std::string key_text = trim(line.text.substr(0, colon));
      if (key_text.rfind("? ", 0) == 0 || key_text == "?") fail(line.number, "complex keys are not supported");
      ojson key = scalar(key_text, line.number, depth);
      std::string k = key.is_string() ? key.get<std::string>() : key.dump();
      if (obj.contains(k)) fail(line.number, "duplicate key '" + k + "'");
      std::string rest = trim(line.text.substr(colon + 1));
      ++pos_;
      if (rest == "|" || rest == ">" || rest == "|-" || rest == ">-" || rest == "|+" || rest == ">+") {
        obj[k] = block_scalar(rest, indent, line.number);
      } else if (!rest.empty()) {
        // More-indented lines continue the value: PyYAML wraps long scalars at 80 columns.
        while (pos_ < lines_.size() && lines_[pos_].indent > indent) rest += " " + lines_[pos_++].text;
        obj[k] = scalar(rest, line.number, depth);
      } else if (pos_ < lines_.size() && lines_[pos_].indent > indent) {
        obj[k] = block(lines_[pos_].indent, depth + 1);
      } else if (pos_ < lines_.size() && lines_[pos_].indent == indent &&
                 (lines_[pos_].text == "-" || lines_[pos_].text.rfind("- ", 0) == 0)) {
        obj[k] = sequence(indent, depth + 1);  // PyYAML style: list items at the key's column
      } else {
        obj[k] = nullptr;
      }
    }
    return obj;
  }

  // Literal (|) or folded (>) text from the raw lines indented deeper than the key.
  std::string block_scalar(const std::string& style, int key_indent, size_t header_line) {
    std::vector<std::string> body;
    size_t raw = header_line;  // index into raw_ of the first line after the header
    int content_indent = -1;
    while (raw < raw_.size()) {
      const std::string& l = raw_[raw];
      size_t ind = l.find_first_not_of(' ');
      if (ind != std::string::npos && static_cast<int>(ind) <= key_indent) break;
      if (ind != std::string::npos && content_indent < 0) content_indent = static_cast<int>(ind);
      body.push_back(ind == std::string::npos ? "" : l.substr(std::min<size_t>(l.size(), content_indent)));
      ++raw;
    }
    // Skip the parsed lines that belonged to the block.
    while (pos_ < lines_.size() && lines_[pos_].number <= raw) ++pos_;
    while (!body.empty() && body.back().empty() && style.size() == 1) body.pop_back();
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
      if (i) out += style[0] == '|' || body[i].empty() || body[i - 1].empty() ? "\n" : " ";
      out += body[i];
    }
    if (style.size() == 1 || style[1] == '+') out += "\n";
    return out;
  }

  // Position of the ':' that ends a mapping key (followed by space or end), outside quotes
  // and brackets; npos when the line is not a key.
  static size_t find_key_colon(const std::string& s) {
    if (s.empty() || s[0] == '[' || s[0] == '{') return std::string::npos;
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (quote) {
        if (c == '\'' && quote == '\'' && i + 1 < s.size() && s[i + 1] == '\'') ++i;  // '' is an escaped quote
        else if (c == quote) quote = 0;
        else if (quote == '"' && c == '\\') ++i;
        continue;
      }
      if (i == 0 && (c == '"' || c == '\'')) {
        quote = c;
        continue;
      }
      if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return i;
    }
    return std::string::npos;
  }

  ojson scalar(const std::string& s, size_t line, int depth) {
    if (s.empty()) return nullptr;
    if (s[0] == '&' || s[0] == '*') fail(line, "anchors and aliases are not supported");
    if (s[0] == '!') fail(line, "tags are not supported");
    if (s[0] == '[' || s[0] == '{') {
      size_t i = 0;
      ojson v = flow(s, i, line, depth);
      while (i < s.size() && s[i] == ' ') ++i;
      if (i != s.size()) fail(line, "text after a flow collection");
      return v;
    }
    if (s[0] == '"' || s[0] == '\'') {
      size_t i = 0;
      std::string v = quoted(s, i, line);
      if (trim(s.substr(i)).size()) fail(line, "text after a quoted string");
      return v;
    }
    if (s[0] == '|' || s[0] == '>') fail(line, "block scalars are only supported as mapping values");
    return plain_scalar(s);
  }

  std::string quoted(const std::string& s, size_t& i, size_t line) {
    char q = s[i++];
    std::string out;
    while (i < s.size()) {
      char c = s[i++];
      if (q == '\'' && c == '\'') {
        if (i < s.size() && s[i] == '\'') {
          out += '\'';
          ++i;
          continue;
        }
        return out;
      }
      if (q == '"' && c == '"') return out;
      if (q == '"' && c == '\\') {
        if (i >= s.size()) break;
        char e = s[i++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case '0': out += '\0'; break;
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case ' ': out += ' '; break;
          case 'x':
          case 'u':
          case 'U': {
            size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (i + n > s.size()) fail(line, "truncated escape");
            uint32_t cp = 0;
            for (size_t k = 0; k < n; ++k) {
              char h = s[i + k];
              int d = std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                      : (h >= 'a' && h <= 'f')                   ? h - 'a' + 10
                      : (h >= 'A' && h <= 'F')                   ? h - 'A' + 10
                                                                 : -1;
              if (d < 0) fail(line, "bad hex digit in escape");
              cp = cp * 16 + static_cast<uint32_t>(d);
            }
            if (cp > 0x10FFFF) fail(line, "escape beyond Unicode");
            i += n;
            append_utf8(out, cp);
            break;
          }
          default: fail(line, std::string("unknown escape \\") + e);
        }
        continue;
      }
      out += c;
    }
    fail(line, "unterminated quoted string");
  }

  ojson flow(const std::string& s, size_t& i, size_t line, int depth) {
    if (depth > kMaxDepth) fail(line, "nesting deeper than 64 levels");
    char open = s[i++];
    char close = open == '[' ? ']' : '}';
    ojson out = open == '[' ? ojson::array() : ojson::object();
    auto skip = [&] {
      while (i < s.size() && s[i] == ' ') ++i;
    };
    skip();
    if (i < s.size() && s[i] == close) {
      ++i;
      return out;
    }
    while (true) {
      skip();
      if (i >= s.size()) fail(line, "unterminated flow collection");
      ojson key = flow_item(s, i, line, depth, open == '{');
      skip();
      if (open == '{') {
        if (i >= s.size() || s[i] != ':') fail(line, "expected ':' in flow mapping");
        ++i;
        skip();
        ojson value = (i < s.size() && (s[i] == ',' || s[i] == '}')) ? ojson(nullptr) : flow_item(s, i, line, depth, false);
        if (key.is_structured()) fail(line, "complex keys are not supported");
        out[key.is_string() ? key.get<std::string>() : key.dump()] = value;
        skip();
      } else {
        out.push_back(key);
      }
      if (i >= s.size()) fail(line, "unterminated flow collection");
      if (s[i] == close) {
        ++i;
        return out;
      }
      if (s[i] != ',') fail(line, "expected ',' in flow collection");
      ++i;
    }
  }

  ojson flow_item(const std::string& s, size_t& i, size_t line, int depth, bool is_key) {
    if (s[i] == '[' || s[i] == '{') return flow(s, i, line, depth + 1);
    if (s[i] == '"' || s[i] == '\'') return quoted(s, i, line);
    size_t start = i;
    while (i < s.size() && s[i] != ',' && s[i] != ']' && s[i] != '}' &&
           !(s[i] == ':' && (is_key || i + 1 == s.size() || s[i + 1] == ' ')))
      ++i;
    std::string text = trim(s.substr(start, i - start));
    if (!text.empty() && (text[0] == '&' || text[0] == '*' || text[0] == '!'))
      fail(line, "anchors, aliases and tags are not supported");
    return plain_scalar(text);
  }

  std::vector<Line> lines_;
  std::vector<std::string> raw_;
  size_t pos_ = 0;
};

// ---- emitter ----

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  if (plain_scalar(s) != ojson(s)) return true;  // would read back as null/bool/number
  static const std::string indicators = "-?:,[]{}#&*!|>'\"%@`";
  if (indicators.find(s[0]) != std::string::npos &&
      !((s[0] == '-' || s[0] == '?' || s[0] == ':') && s.size() > 1 && s[1] != ' '))
    return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  // A quote inside a plain scalar is valid YAML, but after ", " or "[" the parser here (as a
  // flow-style reader) takes it for the start of a quoted scalar: quote such text instead.
  if (s.find_first_of("'\"") != std::string::npos) return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ':') return true;
  if (iequals(s, ".inf") || iequals(s, "-.inf") || iequals(s, ".nan") || s == "---" || s == "...") return true;
  return false;
}

bool has_special(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string scalar_text(const ojson& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    std::string t = v.dump();
    // PyYAML reads "1e-05" as a string; keep a '.' so it stays a float.
    if (t.find('.') == std::string::npos) {
      size_t e = t.find_first_of("eE");
      t = e == std::string::npos ? t + ".0" : t.substr(0, e) + ".0" + t.substr(e);
    }
    return t;
  }
  if (v.is_number()) return v.dump();
  std::string s = v.get<std::string>();
  if (has_special(s)) return double_quoted(s);
  if (!needs_quotes(s)) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool is_empty_collection(const ojson& v) { return (v.is_object() || v.is_array()) && v.empty(); }

void emit(const ojson& v, int indent, std::string& out);

void emit_key_value(const std::string& key, const ojson& v, int indent, std::string& out) {
  out += std::string(static_cast<size_t>(indent), ' ') + scalar_text(ojson(key)) + ":";
  if (v.is_object() && !v.empty()) {
    out += "\n";
    emit(v, indent + 2, out);
  } else if (v.is_array() && !v.empty()) {
    out += "\n";
    emit(v, indent, out);  // PyYAML: list items at the key's column
  } else {
    out += " " + (is_empty_collection(v) ? std::string(v.is_array() ? "[]" : "{}") : scalar_text(v)) + "\n";
  }
}

void emit(const ojson& v, int indent, std::string& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) emit_key_value(it.key(), it.value(), indent, out);
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (item.is_object() && !item.empty()) {
        // "- " then the first key on the same line, the others aligned under it.
        std::string sub;
        emit(item, indent + 2, sub);
        out += pad + "- " + sub.substr(static_cast<size_t>(indent) + 2);
      } else if (item.is_array() && !item.empty()) {
        std::string sub;
        emit(item, indent + 2, sub);
        out += pad + "- " + sub.substr(static_cast<size_t>(indent) + 2);
      } else {
        out += pad + "- " + (is_empty_collection(item) ? std::string(item.is_array() ? "[]" : "{}") : scalar_text(item)) + "\n";
      }
    }
  } else {
    out += pad + scalar_text(v) + "\n";
  }
}

}  // namespace

ojson yaml_parse(const std::string& text) { return Parser(text).document(); }

std::string yaml_emit(const ojson& value) {
  if (is_empty_collection(value)) return value.is_array() ? "[]\n" : "{}\n";
  std::string out;
  emit(value, 0, out);
  return out;
}

}  // namespace cuddle::hub
