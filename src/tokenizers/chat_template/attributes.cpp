// `obj.name`, `obj[key]`, `obj[a:b:c]` and iteration, as jinja2 resolves them over Python
// objects, with the methods of str, dict and list that chat templates call. Lists and
// dicts are immutable here, as in transformers' ImmutableSandboxedEnvironment (no append,
// no update).
#include <algorithm>
#include <optional>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"
#include "tokenizers/unicode.h"

namespace cuddle::chat {
namespace {

using Method = Value (*)(const Value& self, CallArgs& args);

// Python's str.isspace() set: the Unicode White_Space characters plus the ASCII separators.
bool py_space(char32_t c) { return tok::is_whitespace(c) || (c >= 0x1c && c <= 0x1f); }

std::string string_arg(ArgReader& r, size_t pos, const char* name) {
  Value v = r.get(pos, name);
  if (!v.is_string()) r.fail(std::string("argument '") + name + "' must be a str, not " + v.type_name());
  return v.as_string();
}

// str.strip / lstrip / rstrip: `chars` (a set of code points) or whitespace.
Value strip(const Value& self, CallArgs& args, bool left, bool right, const char* fn) {
  ArgReader r(fn, args);
  Value chars = r.get(0, "chars", Value::none());
  r.done();
  std::u32string s = code_points(self.as_string());
  std::u32string set = chars.is_string() ? code_points(chars.as_string()) : U"";
  auto drop = [&](char32_t c) { return chars.is_string() ? set.find(c) != std::u32string::npos : py_space(c); };
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && drop(s[b])) ++b;
  if (right)
    while (e > b && drop(s[e - 1])) --e;
  return Value(to_utf8(std::u32string_view(s).substr(b, e - b)));
}

// str.split / rsplit: on `sep`, or on runs of whitespace (dropping empty pieces).
Value split(const Value& self, CallArgs& args, bool from_right) {
  ArgReader r(from_right ? "rsplit" : "split", args);
  Value sep = r.get(0, "sep", Value::none());
  Value maxv = r.get(1, "maxsplit", Value(-1));
  r.done();
  if (!maxv.is_int()) r.fail("maxsplit must be an int");
  int64_t max = maxv.as_int();
  std::u32string s = code_points(self.as_string());
  std::vector<std::u32string> parts;
  if (sep.is_string()) {
    std::u32string d = code_points(sep.as_string());
    if (d.empty()) r.fail("empty separator");
    if (!from_right) {
      size_t pos = 0;
      for (size_t hit; (max < 0 || static_cast<int64_t>(parts.size()) < max) && (hit = s.find(d, pos)) != std::u32string::npos;
           pos = hit + d.size())
        parts.push_back(s.substr(pos, hit - pos));
      parts.push_back(s.substr(pos));
    } else {
      size_t end = s.size();
      while (max < 0 || static_cast<int64_t>(parts.size()) < max) {
        if (end < d.size()) break;
        size_t hit = s.rfind(d, end - d.size());
        if (hit == std::u32string::npos) break;
        parts.push_back(s.substr(hit + d.size(), end - hit - d.size()));
        end = hit;
      }
      parts.push_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
  } else if (sep.is_none()) {
    if (from_right) std::reverse(s.begin(), s.end());
    size_t i = 0;
    while (true) {
      while (i < s.size() && py_space(s[i])) ++i;
      if (i >= s.size()) break;
      if (max >= 0 && static_cast<int64_t>(parts.size()) >= max) {
        size_t e = s.size();
        while (e > i && py_space(s[e - 1])) --e;
        parts.push_back(s.substr(i, e - i));
        break;
      }
      size_t j = i;
      while (j < s.size() && !py_space(s[j])) ++j;
      parts.push_back(s.substr(i, j - i));
      i = j;
    }
    if (from_right) {
      for (auto& p : parts) std::reverse(p.begin(), p.end());
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    r.fail("sep must be a str or None, not " + sep.type_name());
  }
  List out;
  for (const auto& p : parts) out.emplace_back(to_utf8(p));
  return Value::list(std::move(out));
}

// str.startswith / endswith: a prefix or a tuple of them.
Value affix(const Value& self, CallArgs& args, bool start) {
  ArgReader r(start ? "startswith" : "endswith", args);
  Value what = r.get(0, start ? "prefix" : "suffix");
  r.done();
  List options = what.is_list() ? what.as_list() : List{what};
  const std::string& s = self.as_string();
  for (const auto& o : options) {
    if (!o.is_string()) r.fail("expects a str or a tuple of str, not " + o.type_name());
    const std::string& p = o.as_string();
    if (p.size() <= s.size() && s.compare(start ? 0 : s.size() - p.size(), p.size(), p) == 0) return Value(true);
  }
  return Value(false);
}

// Python's str.title(): a letter after a non-letter goes upper case, other letters lower.
std::string py_title(const std::string& s) {
  std::string out;
  bool prev_cased = false;
  for (char32_t c : code_points(s)) {
    std::string one;
    tok::append_utf8(one, c);
    bool letter = tok::is_alphabetic(c);
    out += letter ? (prev_cased ? to_lower(one) : to_upper(one)) : one;
    prev_cased = letter;
  }
  return out;
}

Value replace(const Value& self, CallArgs& args) {
  ArgReader r("replace", args);
  std::string from = string_arg(r, 0, "old"), to = string_arg(r, 1, "new");
  Value count = r.get(2, "count", Value(-1));
  r.done();
  if (!count.is_int()) r.fail("count must be an int");
  int64_t left = count.as_int();
  const std::string& s = self.as_string();
  std::string out;
  if (from.empty()) {  // Python inserts `new` around every code point
    std::u32string cps = code_points(s);
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (left != 0) out += to, --left;
      if (i < cps.size()) out += to_utf8(std::u32string_view(&cps[i], 1));
    }
    return Value(std::move(out));
  }
  size_t pos = 0;
  for (size_t hit; left != 0 && (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size(), --left)
    out += s.substr(pos, hit - pos) + to;
  return Value(out + s.substr(pos));
}

// str.find / rfind / count / index: code point positions, as Python counts.
Value find(const Value& self, CallArgs& args, const char* fn) {
  ArgReader r(fn, args);
  std::string needle = string_arg(r, 0, "sub");
  r.done();
  const std::string& s = self.as_string();
  std::string_view name(fn);
  if (name == "count") {
    if (needle.empty()) return Value(static_cast<int64_t>(code_points(s).size() + 1));
    int64_t n = 0;
    for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + needle.size())) ++n;
    return Value(n);
  }
  size_t at = name == "rfind" ? s.rfind(needle) : s.find(needle);
  if (at == std::string::npos) {
    if (name == "index") throw TemplateFailure("substring not found");
    return Value(-1);
  }
  return Value(static_cast<int64_t>(code_points(s.substr(0, at)).size()));
}

Value str_join(const Value& self, CallArgs& args) {
  ArgReader r("join", args);
  Value items = r.get(0, "iterable");
  r.done();
  std::string out;
  bool first = true;
  for (const auto& v : iterate(items)) {
    if (!v.is_string()) throw TemplateFailure("sequence item: expected str instance, " + v.type_name() + " found");
    if (!first) out += self.as_string();
    out += v.as_string();
    first = false;
  }
  return Value(std::move(out));
}

Value splitlines(const Value& self, CallArgs& args) {
  ArgReader r("splitlines", args);
  bool keep = r.get(0, "keepends", Value(false)).truthy();
  r.done();
  std::u32string s = code_points(self.as_string());
  auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85 || c == 0x2028 || c == 0x2029;
  };
  List out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_break(s[i])) continue;
    size_t end = i;
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    out.emplace_back(to_utf8(std::u32string_view(s).substr(start, (keep ? i + 1 : end) - start)));
    start = i + 1;
  }
  if (start < s.size()) out.emplace_back(to_utf8(std::u32string_view(s).substr(start)));
  return Value::list(std::move(out));
}

// isdigit / isalpha / ... : true when every code point passes and the string is not empty.
template <bool (*Pred)(char32_t)>
Value every(const Value& self, CallArgs& args) {
  ArgReader("is...", args).done();
  std::u32string s = code_points(self.as_string());
  return Value(!s.empty() && std::all_of(s.begin(), s.end(), Pred));
}
bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

Value no_args(const char* fn, CallArgs& args, Value result) {
  ArgReader(fn, args).done();
  return result;
}

Value str_method(const Value& self, const std::string& name, CallArgs& args) {
  const std::string& s = self.as_string();
  if (name == "strip") return strip(self, args, true, true, "strip");
  if (name == "lstrip") return strip(self, args, true, false, "lstrip");
  if (name == "rstrip") return strip(self, args, false, true, "rstrip");
  if (name == "split") return split(self, args, false);
  if (name == "rsplit") return split(self, args, true);
  if (name == "splitlines") return splitlines(self, args);
  if (name == "startswith") return affix(self, args, true);
  if (name == "endswith") return affix(self, args, false);
  if (name == "upper") return no_args("upper", args, Value(to_upper(s)));
  if (name == "lower") return no_args("lower", args, Value(to_lower(s)));
  if (name == "title") return no_args("title", args, Value(py_title(s)));
  if (name == "capitalize") {
    std::u32string cps = code_points(s);
    std::string first = cps.empty() ? "" : to_upper(to_utf8(cps.substr(0, 1)));
    return no_args("capitalize", args, Value(first + to_lower(to_utf8(std::u32string_view(cps).substr(cps.empty() ? 0 : 1)))));
  }
  if (name == "replace") return replace(self, args);
  if (name == "find" || name == "rfind" || name == "count" || name == "index") return find(self, args, name.c_str());
  if (name == "join") return str_join(self, args);
  if (name == "removeprefix" || name == "removesuffix") {
    ArgReader r(name.c_str(), args);
    std::string a = string_arg(r, 0, "affix");
    r.done();
    bool pre = name == "removeprefix";
    if (a.size() <= s.size() && s.compare(pre ? 0 : s.size() - a.size(), a.size(), a) == 0)
      return Value(pre ? s.substr(a.size()) : s.substr(0, s.size() - a.size()));
    return self;
  }
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") return every<is_digit>(self, args);
  if (name == "isalpha") return every<tok::is_alphabetic>(self, args);
  if (name == "isalnum") return every<tok::is_alphanumeric>(self, args);
  if (name == "isspace") return every<py_space>(self, args);
  if (name == "islower" || name == "isupper") {
    bool lower = name == "islower";
    bool cased = to_upper(s) != to_lower(s);
    return no_args(name.c_str(), args, Value(cased && s == (lower ? to_lower(s) : to_upper(s))));
  }
  return Value();
}

Value dict_method(const Value& self, const std::string& name, CallArgs& args) {
  const Dict& d = self.as_dict();
  if (name == "items" || name == "keys" || name == "values") {
    ArgReader(name.c_str(), args).done();
    List out;
    for (const auto& [k, v] : d) {
      if (name == "items") out.push_back(Value::list({Value(k), v}, true));
      else out.push_back(name == "keys" ? Value(k) : v);
    }
    return Value::list(std::move(out));
  }
  if (name == "get") {
    ArgReader r("get", args);
    Value key = r.get(0, "key");
    Value fallback = r.get(1, "default", Value::none());
    r.done();
    const Value* v = key.is_string() ? self.find(key.as_string()) : nullptr;
    return v ? *v : fallback;
  }
  return Value();
}

Value list_method(const Value& self, const std::string& name, CallArgs& args) {
  ArgReader r(name.c_str(), args);
  Value item = r.get(0, "value");
  r.done();
  const List& l = self.as_list();
  if (name == "count") return Value(static_cast<int64_t>(std::count(l.begin(), l.end(), item)));
  for (size_t i = 0; i < l.size(); ++i)
    if (l[i] == item) return Value(static_cast<int64_t>(i));
  throw TemplateFailure(item.repr() + " is not in list");
}

bool has_method(const Value& obj, const std::string& name) {
  static const char* const str_methods[] = {"strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith",
                                            "endswith", "upper", "lower", "title", "capitalize", "replace", "find",
                                            "rfind", "count", "index", "join", "removeprefix", "removesuffix",
                                            "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace",
                                            "islower", "isupper"};
  auto in = [&](auto& names) { return std::find(std::begin(names), std::end(names), name) != std::end(names); };
  if (obj.is_string()) return in(str_methods);
  if (obj.is_dict()) return name == "items" || name == "keys" || name == "values" || name == "get";
  if (obj.is_list()) return name == "index" || name == "count";
  return false;
}

// Python's index normalisation: negative counts from the end; nullopt when out of range.
std::optional<size_t> index_of(int64_t i, size_t size) {
  if (i < 0) i += static_cast<int64_t>(size);
  if (i < 0 || i >= static_cast<int64_t>(size)) return std::nullopt;
  return static_cast<size_t>(i);
}

}  // namespace

Value get_attr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) throw TemplateFailure("cannot read attribute '" + name + "' of an undefined value");
  if (has_method(obj, name)) {
    return Value::function([obj, name](CallArgs& args) {
      if (obj.is_string()) return str_method(obj, name, args);
      if (obj.is_dict()) return dict_method(obj, name, args);
      return list_method(obj, name, args);
    });
  }
  if (const Value* v = obj.find(name)) return *v;
  return Value();
}

Value get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) throw TemplateFailure("cannot read item " + key.repr() + " of an undefined value");
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.is_bool() ? key.as_bool() : key.as_int();
    if (obj.is_list()) {
      auto at = index_of(i, obj.as_list().size());
      return at ? obj.as_list()[*at] : Value();
    }
    std::u32string cps = code_points(obj.as_string());
    auto at = index_of(i, cps.size());
    return at ? Value(to_utf8(std::u32string_view(&cps[*at], 1))) : Value();
  }
  if (key.is_string()) {
    if (const Value* v = obj.find(key.as_string())) return *v;
    return get_attr(obj, key.as_string());
  }
  return Value();
}

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  // Parts left out arrive as None; an undefined variable as a part is an error, as in Python.
  if (!obj.is_list() && !obj.is_string()) throw TemplateFailure("'" + obj.type_name() + "' object is not subscriptable");
  auto bound = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_none()) return std::nullopt;
    if (!v.is_int()) throw TemplateFailure(std::string("slice ") + what + " must be an integer or None");
    return v.as_int();
  };
  int64_t st = bound(step, "step").value_or(1);
  if (st == 0) throw TemplateFailure("slice step cannot be zero");
  std::u32string cps;
  int64_t n;
  if (obj.is_string()) {
    cps = code_points(obj.as_string());
    n = static_cast<int64_t>(cps.size());
  } else {
    n = static_cast<int64_t>(obj.as_list().size());
  }
  // Python's slice.indices().
  auto clamp = [&](std::optional<int64_t> v, int64_t fallback) {
    if (!v) return fallback;
    int64_t i = *v < 0 ? *v + n : *v;
    if (st > 0) return std::clamp<int64_t>(i, 0, n);
    return std::clamp<int64_t>(i, -1, n - 1);
  };
  int64_t b = clamp(bound(start, "start"), st > 0 ? 0 : n - 1);
  int64_t e = clamp(bound(stop, "stop"), st > 0 ? n : -1);
  List items;
  std::u32string chars;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
    if (obj.is_string()) chars += cps[static_cast<size_t>(i)];
    else items.push_back(obj.as_list()[static_cast<size_t>(i)]);
  }
  if (obj.is_string()) return Value(to_utf8(chars));
  return Value::list(std::move(items), obj.is_tuple());
}

List iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List: return v.as_list();
    case Value::Kind::Dict: {
      List keys;
      for (const auto& [k, _] : v.as_dict()) keys.emplace_back(k);
      return keys;
    }
    case Value::Kind::String: {
      List chars;
      for (char32_t c : code_points(v.as_string())) chars.emplace_back(to_utf8(std::u32string_view(&c, 1)));
      return chars;
    }
    default: throw TemplateFailure("'" + v.type_name() + "' object is not iterable");
  }
}

}  // namespace cuddle::chat
