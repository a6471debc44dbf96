// Python's json.dumps, which transformers' `tojson` filter calls (ensure_ascii=False unless
// asked): dict order kept, ", " / ": " separators without indent, "," / ": " with it,
// floats as Python's repr.
#include <algorithm>
#include <cstdio>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"
#include "core/python_repr.h"
#include "tokenizers/unicode.h"

namespace cuddle::chat {
namespace {

// Tool schemas nest a few levels; this only stops a self-referencing namespace.
constexpr int kMaxDepth = 256;

void escape_into(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    char buf[16];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20 || (ensure_ascii && c == 0x7f)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c >= 0x80 && ensure_ascii) {
      int len;
      char32_t cp = tok::decode_utf8(s, i, &len);
      if (cp >= 0x10000) {  // a surrogate pair, as Python writes it
        cp -= 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      }
      out += buf;
      i += len;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void dump(std::string& out, const Value& v, const JsonOptions& o, int depth) {
  if (depth > kMaxDepth) throw TemplateFailure("tojson: value nested too deeply (circular?)");
  if (out.size() > kMaxStringBytes) throw TemplateFailure("tojson: output longer than the engine allows");
  auto newline = [&](int level) {
    if (!o.indent) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += *o.indent;
  };
  switch (v.kind()) {
    case Value::Kind::None: out += "null"; return;
    case Value::Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::Int: out += std::to_string(v.as_int()); return;
    case Value::Kind::Float: {
      std::string r = python_float_repr(v.as_number());
      out += r == "nan" ? "NaN" : r == "inf" ? "Infinity" : r == "-inf" ? "-Infinity" : r;
      return;
    }
    case Value::Kind::String: escape_into(out, v.as_string(), o.ensure_ascii); return;
    case Value::Kind::List: {
      const List& items = v.as_list();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += o.item_separator;
        newline(depth + 1);
        dump(out, items[i], o, depth + 1);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::Dict:
    case Value::Kind::Namespace: {
      Dict items = v.is_dict() ? v.as_dict() : v.namespace_items();
      if (items.empty()) {
        out += "{}";
        return;
      }
      if (o.sort_keys)
        std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += o.item_separator;
        newline(depth + 1);
        escape_into(out, items[i].first, o.ensure_ascii);
        out += o.key_separator;
        dump(out, items[i].second, o, depth + 1);
      }
      newline(depth);
      out += '}';
      return;
    }
    default: throw TemplateFailure("tojson: Object of type " + v.type_name() + " is not JSON serializable");
  }
}

}  // namespace

std::string to_json(const Value& v, const JsonOptions& options) {
  std::string out;
  dump(out, v, options, 0);
  return out;
}

}  // namespace cuddle::chat
