#include "tokenizers/chat_template/lexer.h"

#include <algorithm>
#include <cstring>

#include "tokenizers/chat_template/errors.h"
#include "tokenizers/unicode.h"

namespace cuddle::chat {
namespace {

// Python's str.isspace() in ASCII, which jinja2's tag whitespace follows.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Operators, longest first so "//" wins over "/".
const char* const kOperators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">",
                                  "=",  "(",  ")",  "[",  "]",  "{",  "}", ",", ".", ":", "|"};

class Lexer {
 public:
  Lexer(std::string_view src, const LexOptions& o) : source_(normalize_newlines(src)), src_(source_), opt_(o) {
    // jinja2 drops one trailing newline of the source (keep_trailing_newline=False).
    if (!src_.empty() && src_.back() == '\n') src_.remove_suffix(1);
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t pos = 0;
    while (pos < src_.size()) {
      size_t start = next_tag(pos);
      std::string text(src_.substr(pos, start - pos));
      if (start == src_.size()) {
        push_text(std::move(text), pos);
        break;
      }
      char kind = src_[start + 1];
      char mod = start + 2 < src_.size() ? src_[start + 2] : 0;
      if (mod == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (opt_.lstrip_blocks && kind != '{' && mod != '+') {
        strip_line_indent(text, pos);
      }
      push_text(std::move(text), pos);
      size_t body = start + 2 + (mod == '-' || mod == '+' ? 1 : 0);
      if (kind == '#') pos = comment(start, body);
      else pos = tag(kind, start, body);
    }
    tokens_.push_back({Token::End, "", 0, 0, pos_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  size_t next_tag(size_t pos) const {
    for (size_t i = pos; i + 1 < src_.size(); ++i)
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return src_.size();
  }

  // 1-based line and column (in code points) of a byte offset. Tokens ask in increasing
  // order, so the count resumes from the last answer on the same line: templates written
  // on one long line stay linear.
  SourcePos pos_at(size_t pos) {
    auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    size_t start = *(next_line - 1);
    if (counted_to_ <= start || counted_to_ > pos) {
      counted_to_ = start;
      column_ = 1;
    }
    for (; counted_to_ < pos && counted_to_ < src_.size(); ++counted_to_)
      if ((static_cast<unsigned char>(src_[counted_to_]) & 0xC0) != 0x80) ++column_;
    return {static_cast<int>(next_line - line_starts_.begin()), column_};
  }

  void push_text(std::string text, size_t pos) {
    if (!text.empty()) tokens_.push_back({Token::Text, std::move(text), 0, 0, pos_at(pos)});
  }

  // lstrip_blocks: the tag's line holds only spaces and tabs before it.
  void strip_line_indent(std::string& text, size_t text_pos) const {
    size_t nl = text.rfind('\n');
    size_t from = nl == std::string::npos ? 0 : nl + 1;
    bool line_start = nl != std::string::npos || text_pos == 0 || src_[text_pos - 1] == '\n';
    if (!line_start) return;
    for (size_t i = from; i < text.size(); ++i)
      if (text[i] != ' ' && text[i] != '\t') return;
    text.resize(from);
  }

  // After a tag: `-` strips the whitespace that follows; otherwise trim_blocks drops one
  // newline after a block or comment.
  size_t after_tag(size_t pos, bool strip, bool block) {
    if (strip) {
      while (pos < src_.size() && is_space(src_[pos])) ++pos;
    } else if (block && opt_.trim_blocks && pos < src_.size() && src_[pos] == '\n') {
      ++pos;
    }
    return pos;
  }

  size_t comment(size_t start, size_t body) {
    size_t end = src_.find("#}", body);
    if (end == std::string_view::npos) fail_at(pos_at(start), "unclosed comment: missing '#}'");
    bool strip = end > body && src_[end - 1] == '-';
    return after_tag(end + 2, strip, true);
  }

  size_t tag(char kind, size_t start, size_t pos) {
    bool block = kind == '%';
    tokens_.push_back({block ? Token::BlockBegin : Token::VarBegin, "", 0, 0, pos_at(start)});
    const char close = block ? '%' : '}';
    size_t first_token = tokens_.size();
    int depth = 0;
    while (true) {
      while (pos < src_.size() && is_space(src_[pos])) ++pos;
      if (pos >= src_.size()) fail_at(pos_at(start), std::string("unclosed tag: missing '") + close + "}'");
      const std::string end{close, '}'};
      bool strip = src_[pos] == '-' && src_.substr(pos + 1, 2) == end;
      if (depth == 0 && (strip || src_.substr(pos, 2) == end)) {
        tokens_.push_back({block ? Token::BlockEnd : Token::VarEnd, "", 0, 0, pos_at(pos)});
        pos += strip ? 3 : 2;
        if (block && tokens_.size() == first_token + 2 && tokens_[first_token].type == Token::Name &&
            tokens_[first_token].text == "raw")
          return raw(start, after_tag(pos, strip, true));
        return after_tag(pos, strip, block);
      }
      pos = expression_token(pos, depth);
    }
  }

  // `{% raw %}...{% endraw %}`: everything up to the endraw tag is text.
  size_t raw(size_t start, size_t pos) {
    tokens_.resize(tokens_.size() - 3);  // the raw tag itself leaves no tokens
    for (size_t at = src_.find("{%", pos); at != std::string_view::npos; at = src_.find("{%", at + 2)) {
      size_t p = at + 2;
      bool lstrip = p < src_.size() && src_[p] == '-';
      if (lstrip) ++p;
      while (p < src_.size() && is_space(src_[p])) ++p;
      if (src_.substr(p, 6) != "endraw") continue;
      p += 6;
      while (p < src_.size() && is_space(src_[p])) ++p;
      bool rstrip = src_.substr(p, 3) == "-%}";
      if (!rstrip && src_.substr(p, 2) != "%}") continue;
      std::string text(src_.substr(pos, at - pos));
      if (lstrip) {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (opt_.lstrip_blocks) {
        strip_line_indent(text, pos);
      }
      push_text(std::move(text), pos);
      return after_tag(p + (rstrip ? 3 : 2), rstrip, true);
    }
    fail_at(pos_at(start), "unclosed raw block: missing '{% endraw %}'");
  }

  size_t expression_token(size_t pos, int& depth) {
    SourcePos line = pos_at(pos);
    char c = src_[pos];
    if (is_name_start(c)) {
      size_t end = pos;
      while (end < src_.size() && (is_name_start(src_[end]) || is_digit(src_[end]))) ++end;
      tokens_.push_back({Token::Name, std::string(src_.substr(pos, end - pos)), 0, 0, line});
      return end;
    }
    if (is_digit(c)) return number(pos, line);
    if (c == '\'' || c == '"') return string(pos, line);
    for (const char* op : kOperators) {
      size_t n = std::strlen(op);
      if (src_.substr(pos, n) != op) continue;
      if (n == 1 && (c == '(' || c == '[' || c == '{')) ++depth;
      if (n == 1 && (c == ')' || c == ']' || c == '}')) --depth;
      tokens_.push_back({Token::Op, op, 0, 0, line});
      return pos + n;
    }
    fail_at(line, std::string("unexpected character '") + c + "' in a tag");
  }

  size_t number(size_t pos, SourcePos line) {
    size_t end = pos;
    auto digits = [&] {
      while (end < src_.size() && (is_digit(src_[end]) || src_[end] == '_')) ++end;
    };
    digits();
    bool is_float = false;
    if (end + 1 < src_.size() && src_[end] == '.' && is_digit(src_[end + 1])) {
      is_float = true;
      ++end;
      digits();
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t e = end + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && is_digit(src_[e])) {
        is_float = true;
        end = e;
        digits();
      }
    }
    std::string text;
    for (size_t i = pos; i < end; ++i)
      if (src_[i] != '_') text += src_[i];
    Token t{is_float ? Token::Float : Token::Int, text, 0, 0, line};
    try {
      if (is_float) t.float_value = std::stod(text);
      else t.int_value = std::stoll(text);
    } catch (const std::exception&) {
      fail_at(line, "number out of range: " + text);
    }
    tokens_.push_back(std::move(t));
    return end;
  }

  // Python string literal escapes.
  size_t string(size_t pos, SourcePos line) {
    char quote = src_[pos];
    std::string out;
    for (size_t i = pos + 1; i < src_.size(); ++i) {
      char c = src_[i];
      if (c == quote) {
        tokens_.push_back({Token::String, std::move(out), 0, 0, line});
        return i + 1;
      }
      if (c != '\\' || i + 1 >= src_.size()) {
        out += c;
        continue;
      }
      char e = src_[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'a': out += '\a'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;  // a backslash-newline continues the line
        case 'x':
        case 'u':
        case 'U': {
          size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + n >= src_.size()) fail_at(line, "truncated \\" + std::string(1, e) + " escape in a string");
          std::string hex(src_.substr(i + 1, n));
          char* endp;
          unsigned long cp = std::strtoul(hex.c_str(), &endp, 16);
          if (*endp || cp > 0x10FFFF) fail_at(line, "bad \\" + std::string(1, e) + " escape in a string: " + hex);
          tok::append_utf8(out, static_cast<char32_t>(cp));
          i += n;
          break;
        }
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          // Up to three octal digits, as Python reads them.
          unsigned cp = static_cast<unsigned>(e - '0');
          for (int k = 0; k < 2 && i + 1 < src_.size() && src_[i + 1] >= '0' && src_[i + 1] <= '7'; ++k)
            cp = cp * 8 + static_cast<unsigned>(src_[++i] - '0');
          tok::append_utf8(out, static_cast<char32_t>(cp));
          break;
        }
        default:  // Python keeps unknown escapes as written
          out += '\\';
          out += e;
      }
    }
    fail_at(line, "unclosed string literal");
  }

  // jinja2 reads "\r\n" and "\r" in a template as "\n" (its output's newline_sequence).
  static std::string normalize_newlines(std::string_view src) {
    std::string out;
    out.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      if (src[i] != '\r') {
        out += src[i];
        continue;
      }
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    }
    return out;
  }

  std::string source_;
  std::string_view src_;
  LexOptions opt_;
  std::vector<Token> tokens_;
  std::vector<size_t> line_starts_;  // byte offset of each line's first character
  size_t counted_to_ = 0;            // pos_at's last offset and its column
  int column_ = 1;
};

}  // namespace

std::vector<Token> lex(std::string_view source, const LexOptions& options) { return Lexer(source, options).run(); }

}  // namespace cuddle::chat
