// jinja2's filters (`x | name(args)`) that chat templates use, with transformers' tojson.
// An unknown filter name is an error, as in jinja2 (where it fails at compile time).
#include <algorithm>
#include <cmath>
#include <map>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"

namespace cuddle::chat {
namespace {

using Filter = Value (*)(const Value& x, CallArgs& args);

// jinja2 resolves "a.b" (and "0") attribute paths item by item.
Value attribute_path(const Value& x, const Value& path) {
  if (path.is_int()) return get_item(x, path);
  if (!path.is_string()) throw TemplateFailure("attribute must be a string or an integer");
  Value v = x;
  const std::string& s = path.as_string();
  for (size_t start = 0;;) {
    size_t dot = s.find('.', start);
    std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (v.is_undefined()) return v;
    v = digits && part.size() < 18 ? get_item(v, Value(static_cast<int64_t>(std::stoll(part)))) : get_item(v, Value(part));
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

// Calls the str method `method` on str(x): jinja2's string filters (upper, trim, replace,
// title, indent, format, ...) take any value as str() prints it ("" for Undefined).
Value str_call(const Value& x, const char* method, CallArgs& args) {
  return get_attr(Value(x.str()), method).as_function()(args);
}

Value no_args(const char* name, CallArgs& args) {
  ArgReader(name, args).done();
  return Value();
}

Value length(const Value& x, CallArgs& args) {
  no_args("length", args);
  if (x.is_string()) return Value(static_cast<int64_t>(code_points(x.as_string()).size()));
  if (x.is_list()) return Value(static_cast<int64_t>(x.as_list().size()));
  if (x.is_dict()) return Value(static_cast<int64_t>(x.as_dict().size()));
  if (x.is_undefined()) return Value(0);
  throw TemplateFailure("object of type '" + x.type_name() + "' has no len()");
}

Value first_or_last(const Value& x, CallArgs& args, bool first) {
  no_args(first ? "first" : "last", args);
  List items = iterate(x);
  if (items.empty()) return Value();
  return first ? items.front() : items.back();
}

Value join(const Value& x, CallArgs& args) {
  ArgReader r("join", args);
  Value sep = r.get(0, "d", Value("")), attr = r.get(1, "attribute", Value::none());
  r.done();
  std::string out;
  bool first = true;
  for (const auto& item : iterate(x)) {
    if (!first) out += sep.str();
    out += (attr.is_none() ? item : attribute_path(item, attr)).str();
    first = false;
  }
  return Value(std::move(out));
}

Value default_(const Value& x, CallArgs& args) {
  ArgReader r("default", args);
  Value fallback = r.get(0, "default_value", Value("")), boolean = r.get(1, "boolean", Value(false));
  r.done();
  if (x.is_undefined() || (boolean.truthy() && !x.truthy())) return fallback;
  return x;
}

Value items(const Value& x, CallArgs& args) {
  no_args("items", args);
  if (x.is_undefined()) return Value::list({});
  if (!x.is_dict()) throw TemplateFailure("filter 'items' needs a mapping, got " + x.type_name());
  CallArgs none;
  return get_attr(x, "items").as_function()(none);
}

Value tojson(const Value& x, CallArgs& args) {
  // transformers' signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
  ArgReader r("tojson", args);
  Value ensure_ascii = r.get(0, "ensure_ascii", Value(false)), indent = r.get(1, "indent", Value::none());
  Value separators = r.get(2, "separators", Value::none()), sort_keys = r.get(3, "sort_keys", Value(false));
  r.done();
  JsonOptions o;
  if (indent.is_int()) o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 64)), ' ');
  else if (indent.is_string()) o.indent = indent.as_string();
  else if (!indent.is_none()) r.fail("indent must be an int, a str or None");
  o.item_separator = o.indent ? "," : ", ";
  o.key_separator = ": ";
  if (!separators.is_none()) {
    if (!separators.is_list() || separators.as_list().size() != 2 || !separators.as_list()[0].is_string() ||
        !separators.as_list()[1].is_string())
      r.fail("separators must be a pair of strings");
    o.item_separator = separators.as_list()[0].as_string();
    o.key_separator = separators.as_list()[1].as_string();
  }
  o.sort_keys = sort_keys.truthy();
  o.ensure_ascii = ensure_ascii.truthy();
  return Value(to_json(x, o));
}

// map(attribute=..., default=...) or map('filter', args...).
Value map(const Value& x, CallArgs& args) {
  List out;
  bool by_attribute = std::any_of(args.keyword.begin(), args.keyword.end(), [](auto& k) { return k.first == "attribute"; });
  if (by_attribute) {
    ArgReader r("map", args);
    Value attr = r.get(99, "attribute"), fallback = r.get(99, "default");
    r.done();
    for (const auto& item : iterate(x)) {
      Value v = attribute_path(item, attr);
      out.push_back(v.is_undefined() && !fallback.is_undefined() ? fallback : v);
    }
    return Value::list(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) throw TemplateFailure("map(): needs a filter name or attribute=");
  std::string name = args.positional[0].as_string();
  for (const auto& item : iterate(x)) {
    CallArgs rest{{args.positional.begin() + 1, args.positional.end()}, args.keyword};
    out.push_back(apply_filter(name, item, rest));
  }
  return Value::list(std::move(out));
}

// select / reject / selectattr / rejectattr.
Value select(const Value& x, CallArgs& args, bool by_attr, bool keep) {
  size_t skip = by_attr ? 1 : 0;
  if (by_attr && (args.positional.empty() || !args.positional[0].is_string()))
    throw TemplateFailure(std::string(keep ? "selectattr" : "rejectattr") + "(): needs an attribute name");
  bool has_test = args.positional.size() > skip;
  if (has_test && !args.positional[skip].is_string()) throw TemplateFailure("the test name must be a string");
  List out;
  for (const auto& item : iterate(x)) {
    Value v = by_attr ? attribute_path(item, args.positional[0]) : item;
    bool pass;
    if (has_test) {
      CallArgs rest{{args.positional.begin() + static_cast<std::ptrdiff_t>(skip) + 1, args.positional.end()}, args.keyword};
      pass = apply_test(args.positional[skip].as_string(), v, rest);
    } else {
      pass = v.truthy();
    }
    if (pass == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value sort(const Value& x, CallArgs& args) {
  ArgReader r("sort", args);
  bool reverse = r.get(0, "reverse", Value(false)).truthy(), cs = r.get(1, "case_sensitive", Value(false)).truthy();
  Value attr = r.get(2, "attribute", Value::none());
  r.done();
  List items = iterate(x);
  auto key = [&](const Value& v) { return attr.is_none() ? v : attribute_path(v, attr); };
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    int c = compare(key(a), key(b), cs);
    return reverse ? c > 0 : c < 0;
  });
  return Value::list(std::move(items));
}

Value min_max(const Value& x, CallArgs& args, bool want_max) {
  ArgReader r(want_max ? "max" : "min", args);
  bool cs = r.get(0, "case_sensitive", Value(false)).truthy();
  Value attr = r.get(1, "attribute", Value::none());
  r.done();
  List items = iterate(x);
  if (items.empty()) return Value();
  auto key = [&](const Value& v) { return attr.is_none() ? v : attribute_path(v, attr); };
  Value best = items[0];
  for (const auto& v : items) {
    int c = compare(key(v), key(best), cs);
    if (want_max ? c > 0 : c < 0) best = v;
  }
  return best;
}

Value unique(const Value& x, CallArgs& args) {
  ArgReader r("unique", args);
  bool cs = r.get(0, "case_sensitive", Value(false)).truthy();
  Value attr = r.get(1, "attribute", Value::none());
  r.done();
  List out, seen;
  for (const auto& v : iterate(x)) {
    Value k = attr.is_none() ? v : attribute_path(v, attr);
    if (!cs && k.is_string()) k = Value(to_lower(k.as_string()));
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
    seen.push_back(k);
    out.push_back(v);
  }
  return Value::list(std::move(out));
}

Value reverse(const Value& x, CallArgs& args) {
  no_args("reverse", args);
  if (x.is_string()) {
    std::u32string s = code_points(x.as_string());
    std::reverse(s.begin(), s.end());
    return Value(to_utf8(s));
  }
  List items = iterate(x);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value sum(const Value& x, CallArgs& args) {
  ArgReader r("sum", args);
  Value attr = r.get(0, "attribute", Value::none()), total = r.get(1, "start", Value(0));
  r.done();
  for (const auto& v : iterate(x)) total = binary_op("+", total, attr.is_none() ? v : attribute_path(v, attr));
  return total;
}

Value to_int(const Value& x, CallArgs& args) {
  ArgReader r("int", args);
  Value fallback = r.get(0, "default", Value(0));
  r.done();
  if (x.is_int()) return x;
  if (x.is_bool()) return Value(static_cast<int64_t>(x.as_bool()));
  if (x.is_float()) return std::isfinite(x.as_number()) && std::fabs(x.as_number()) < 9.2e18 ? Value(static_cast<int64_t>(x.as_number())) : fallback;
  if (!x.is_string()) return fallback;
  const std::string& s = x.as_string();
  try {
    size_t used = 0;
    long long i = std::stoll(s, &used);
    if (s.find_first_not_of(" \t\n", used) == std::string::npos) return Value(static_cast<int64_t>(i));
    double d = std::stod(s, &used);
    if (s.find_first_not_of(" \t\n", used) == std::string::npos && std::fabs(d) < 9.2e18) return Value(static_cast<int64_t>(d));
  } catch (const std::exception&) {
  }
  return fallback;
}

Value to_float(const Value& x, CallArgs& args) {
  ArgReader r("float", args);
  Value fallback = r.get(0, "default", Value(0.0));
  r.done();
  if (x.is_number() || x.is_bool()) return Value(x.as_number());
  if (!x.is_string()) return fallback;
  try {
    size_t used = 0;
    double d = std::stod(x.as_string(), &used);
    if (x.as_string().find_first_not_of(" \t\n", used) == std::string::npos) return Value(d);
  } catch (const std::exception&) {
  }
  return fallback;
}

Value round_(const Value& x, CallArgs& args) {
  ArgReader r("round", args);
  Value precision = r.get(0, "precision", Value(0)), method = r.get(1, "method", Value("common"));
  r.done();
  if (!x.is_number() && !x.is_bool()) r.fail("needs a number, got " + x.type_name());
  if (!precision.is_int()) r.fail("precision must be an int");
  double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision.as_int(), -300, 300)));
  double v = x.as_number() * scale;
  std::string m = method.str();
  if (m == "common") v = std::round(v);
  else if (m == "ceil") v = std::ceil(v);
  else if (m == "floor") v = std::floor(v);
  else r.fail("method must be 'common', 'ceil' or 'floor'");
  return Value(v / scale);
}

// jinja2's title filter: words begin after whitespace, '-', or an opening bracket.
Value title(const Value& x, CallArgs& args) {
  no_args("title", args);
  std::u32string s = code_points(x.str());
  std::string out;
  bool word_start = true;
  for (char32_t c : s) {
    std::string one = to_utf8(std::u32string_view(&c, 1));
    bool boundary = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || c == ' ' || c == '\t' || c == '\n' ||
                    c == '\r' || c == '\v' || c == '\f';
    out += boundary ? one : word_start ? to_upper(one) : to_lower(one);
    word_start = boundary;
  }
  return Value(std::move(out));
}

Value indent(const Value& x, CallArgs& args) {
  ArgReader r("indent", args);
  Value width = r.get(0, "width", Value(4));
  bool first = r.get(1, "first", Value(false)).truthy(), blank = r.get(2, "blank", Value(false)).truthy();
  r.done();
  std::string pad = width.is_string() ? width.as_string()
                                      : std::string(static_cast<size_t>(std::clamp<int64_t>(width.is_int() ? width.as_int() : 4, 0, 256)), ' ');
  const std::string s = x.str();
  std::string out;
  size_t start = 0;
  for (size_t line = 0;; ++line) {
    size_t nl = s.find('\n', start);
    std::string part = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if ((line > 0 || first) && (blank || !part.empty())) out += pad;
    out += part;
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return Value(std::move(out));
}

Value list(const Value& x, CallArgs& args) {
  no_args("list", args);
  return Value::list(iterate(x));
}

Value string(const Value& x, CallArgs& args) {
  no_args("string", args);
  return Value(x.str());
}

Value abs_(const Value& x, CallArgs& args) {
  no_args("abs", args);
  if (x.is_int()) return Value(x.as_int() < 0 ? -x.as_int() : x.as_int());
  if (x.is_number() || x.is_bool()) return x.is_bool() ? Value(static_cast<int64_t>(x.as_bool())) : Value(std::fabs(x.as_number()));
  throw TemplateFailure("bad operand type for abs(): '" + x.type_name() + "'");
}

Value format(const Value& x, CallArgs& args) {
  if (!args.keyword.empty()) throw TemplateFailure("format(): keyword arguments are not supported");
  return Value(percent_format(x.str(), args.positional));
}

Value attr(const Value& x, CallArgs& args) {
  ArgReader r("attr", args);
  Value name = r.get(0, "name");
  r.done();
  if (!name.is_string()) r.fail("name must be a string");
  return x.is_undefined() ? Value() : get_attr(x, name.as_string());
}

Value dictsort(const Value& x, CallArgs& args) {
  ArgReader r("dictsort", args);
  bool cs = r.get(0, "case_sensitive", Value(false)).truthy();
  Value by = r.get(1, "by", Value("key"));
  bool reverse = r.get(2, "reverse", Value(false)).truthy();
  r.done();
  if (!x.is_dict()) r.fail("needs a mapping, got " + x.type_name());
  size_t pos = by.str() == "value" ? 1 : 0;
  CallArgs none;
  List pairs = get_attr(x, "items").as_function()(none).as_list();
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    int c = compare(a.as_list()[pos], b.as_list()[pos], cs);
    return reverse ? c > 0 : c < 0;
  });
  return Value::list(std::move(pairs));
}

Value escape(const Value& x, CallArgs& args) {
  no_args("escape", args);
  std::string out;
  for (char c : x.str()) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(std::move(out));
}

Value wordcount(const Value& x, CallArgs& args) {
  CallArgs none;
  no_args("wordcount", args);
  return Value(static_cast<int64_t>(str_call(x, "split", none).as_list().size()));
}

const std::map<std::string, Filter>& filters() {
  static const std::map<std::string, Filter> table = {
      {"abs", abs_},
      {"attr", attr},
      {"capitalize", [](const Value& x, CallArgs& a) { return str_call(x, "capitalize", a); }},
      {"count", length},
      {"d", default_},
      {"default", default_},
      {"dictsort", dictsort},
      {"e", escape},
      {"escape", escape},
      {"first", [](const Value& x, CallArgs& a) { return first_or_last(x, a, true); }},
      {"float", to_float},
      {"format", format},
      {"indent", indent},
      {"int", to_int},
      {"items", items},
      {"join", join},
      {"last", [](const Value& x, CallArgs& a) { return first_or_last(x, a, false); }},
      {"length", length},
      {"list", list},
      {"lower", [](const Value& x, CallArgs& a) { return str_call(x, "lower", a); }},
      {"map", map},
      {"max", [](const Value& x, CallArgs& a) { return min_max(x, a, true); }},
      {"min", [](const Value& x, CallArgs& a) { return min_max(x, a, false); }},
      {"reject", [](const Value& x, CallArgs& a) { return select(x, a, false, false); }},
      {"rejectattr", [](const Value& x, CallArgs& a) { return select(x, a, true, false); }},
      {"replace", [](const Value& x, CallArgs& a) { return str_call(x, "replace", a); }},
      {"reverse", reverse},
      {"round", round_},
      {"safe", [](const Value& x, CallArgs& a) { return no_args("safe", a), x; }},
      {"select", [](const Value& x, CallArgs& a) { return select(x, a, false, true); }},
      {"selectattr", [](const Value& x, CallArgs& a) { return select(x, a, true, true); }},
      {"sort", sort},
      {"string", string},
      {"sum", sum},
      {"title", title},
      {"tojson", tojson},
      {"trim", [](const Value& x, CallArgs& a) { return str_call(x, "strip", a); }},
      {"unique", unique},
      {"upper", [](const Value& x, CallArgs& a) { return str_call(x, "upper", a); }},
      {"wordcount", wordcount},
  };
  return table;
}

}  // namespace

bool is_filter(const std::string& name) { return filters().count(name) != 0; }

Value apply_filter(const std::string& name, const Value& input, CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) throw TemplateFailure("unknown filter '" + name + "'");
  return bounded(it->second(input, args));
}

}  // namespace cuddle::chat
