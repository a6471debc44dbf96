// Binary operators with Python's semantics for the types templates use: int stays int,
// `/` gives a float, `//` and `%` round toward negative infinity, str and list concatenate
// and repeat, comparisons order numbers, strings and lists and refuse mixed types.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utf8proc.h>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"
#include "tokenizers/unicode.h"

namespace cuddle::chat {
namespace {

// Strings and lists a template may build by repetition; beyond this a template is runaway.
constexpr int64_t kMaxRepeatBytes = int64_t{1} << 26;

bool numeric(const Value& v) { return v.is_number() || v.is_bool(); }
int64_t as_int(const Value& v) { return v.is_bool() ? v.as_bool() : v.as_int(); }

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw TemplateFailure("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  bool ints = !a.is_float() && !b.is_float();
  if (op == "/") {
    if (b.as_number() == 0) throw TemplateFailure("division by zero");
    return Value(a.as_number() / b.as_number());
  }
  if (ints && op != "**") {
    int64_t x = as_int(a), y = as_int(b);
    if (op == "+") return Value(static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y)));
    if (op == "-") return Value(static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y)));
    if (op == "*") return Value(static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)));
    if (y == 0) throw TemplateFailure("integer division or modulo by zero");
    if (x == INT64_MIN && y == -1) return Value(op == "//" ? x : int64_t{0});  // the one overflowing quotient
    int64_t q = x / y, r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) --q, r += y;  // Python floors
    return Value(op == "//" ? q : r);
  }
  double x = a.as_number(), y = b.as_number();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "**") {
    if (ints && as_int(b) >= 0) {
      double r = std::pow(x, y);
      if (std::fabs(r) < 9.2e18) return Value(static_cast<int64_t>(r));
      throw TemplateFailure("integer power too large");
    }
    if (x == 0 && y < 0) throw TemplateFailure("0.0 cannot be raised to a negative power");
    return Value(std::pow(x, y));
  }
  if (y == 0) throw TemplateFailure("float division by zero");
  double m = std::fmod(x, y);
  if (m != 0 && ((m < 0) != (y < 0))) m += y;
  if (op == "%") return Value(m);
  return Value(std::floor((x - m) / y + 0.5));  // x // y, exact for the quotient's integer part
}

Value repeat(const Value& seq, const Value& times) {
  int64_t n = std::max<int64_t>(0, as_int(times));
  if (seq.is_string()) {
    if (n * static_cast<int64_t>(seq.as_string().size()) > kMaxRepeatBytes) throw TemplateFailure("string repetition too large");
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  if (n * static_cast<int64_t>(seq.as_list().size()) > kMaxRepeatBytes) throw TemplateFailure("list repetition too large");
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return Value::list(std::move(out), seq.is_tuple());
}

// %s / %r with printf's flags: '-' (left-justify), a width and a precision (truncation),
// counted in code points as Python counts them.
std::string format_text(const std::string& spec, const std::string& text) {
  bool left = spec.find('-') != std::string::npos;
  size_t dot = spec.find('.');
  std::string digits = spec.substr(0, dot);
  digits.erase(0, digits.find_first_not_of("-+ #0"));
  size_t width = digits.empty() ? 0 : std::stoul(digits);
  std::u32string cps = code_points(text);
  if (dot != std::string::npos) {
    std::string p = spec.substr(dot + 1);
    cps.resize(std::min(cps.size(), p.empty() ? 0 : std::stoul(p)));
  }
  std::string out = to_utf8(cps), pad(width > cps.size() ? width - cps.size() : 0, ' ');
  return left ? out + pad : pad + out;
}

std::string format_one(char conv, const std::string& spec, const Value& v) {
  if (conv == 's') return format_text(spec, v.str());
  if (conv == 'r') return format_text(spec, v.repr());
  if (!numeric(v)) throw TemplateFailure(std::string("%") + conv + " format: a real number is required, not " + v.type_name());
  char buf[512];
  std::string f = "%" + spec;
  if (conv == 'd' || conv == 'i' || conv == 'u') {
    f += "lld";
    long long i = v.is_float() ? static_cast<long long>(std::trunc(v.as_number())) : as_int(v);
    std::snprintf(buf, sizeof buf, f.c_str(), i);
  } else if (conv == 'x' || conv == 'X' || conv == 'o') {
    if (v.is_float()) throw TemplateFailure(std::string("%") + conv + " format: an integer is required, not float");
    f += "ll";
    f += conv;
    std::snprintf(buf, sizeof buf, f.c_str(), static_cast<long long>(as_int(v)));
  } else {
    f += conv;
    std::snprintf(buf, sizeof buf, f.c_str(), v.as_number());
  }
  return buf;
}

}  // namespace

std::string percent_format(const std::string& fmt, const List& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    if (j < fmt.size() && fmt[j] == '%') {
      out += '%';
      i = j;
      continue;
    }
    std::string spec;
    while (j < fmt.size() && std::string_view("-+ #0123456789.").find(fmt[j]) != std::string_view::npos && spec.size() < 16)
      spec += fmt[j++];
    if (j >= fmt.size()) throw TemplateFailure("incomplete format: '" + fmt + "'");
    char conv = fmt[j];
    if (std::string_view("sdiufFeEgGxXor").find(conv) == std::string_view::npos)
      throw TemplateFailure(std::string("unsupported format character '") + conv + "'");
    if (next >= args.size()) throw TemplateFailure("not enough arguments for format string");
    out += format_one(conv, spec, args[next++]);
    i = j;
  }
  if (next < args.size()) throw TemplateFailure("not all arguments converted during string formatting");
  return out;
}

std::string to_upper(const std::string& s) {
  std::string out;
  for (char32_t c : code_points(s)) tok::append_utf8(out, static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(c))));
  return out;
}

std::string to_lower(const std::string& s) {
  std::string out;
  for (char32_t c : code_points(s)) tok::append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
  return out;
}

int compare(const Value& a, const Value& b, bool case_sensitive) {
  if (numeric(a) && numeric(b)) {
    if (!a.is_float() && !b.is_float()) return as_int(a) < as_int(b) ? -1 : as_int(a) > as_int(b);
    double x = a.as_number(), y = b.as_number();
    return x < y ? -1 : x > y;
  }
  if (a.is_string() && b.is_string()) {
    // UTF-8 byte order is code point order, which is how Python orders str.
    int c = case_sensitive ? a.as_string().compare(b.as_string()) : to_lower(a.as_string()).compare(to_lower(b.as_string()));
    return c < 0 ? -1 : c > 0;
  }
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const List &x = a.as_list(), &y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i] == y[i]) continue;
      return compare(x[i], y[i], case_sensitive);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size();
  }
  throw TemplateFailure("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) throw TemplateFailure("'in <string>' requires string as left operand, not " + item.type_name());
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const auto& v : container.as_list())
      if (v == item) return true;
    return false;
  }
  if (container.is_dict() || container.is_namespace()) return item.is_string() && container.find(item.as_string());
  if (container.is_undefined()) return false;  // jinja2's Undefined iterates as empty
  throw TemplateFailure("argument of type '" + container.type_name() + "' is not iterable");
}

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return Value(a == b);
  if (op == "!=") return Value(!(a == b));
  if (op == "<") return Value(compare(a, b) < 0);
  if (op == "<=") return Value(compare(a, b) <= 0);
  if (op == ">") return Value(compare(a, b) > 0);
  if (op == ">=") return Value(compare(a, b) >= 0);
  if (op == "in") return Value(contains(b, a));
  if (op == "not in") return Value(!contains(b, a));
  if (op == "~") return Value(a.str() + b.str());
  if (numeric(a) && numeric(b)) return arithmetic(op, a, b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) return Value(a.as_string() + b.as_string());
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value::list(std::move(out), a.is_tuple());
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, b);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, a);
  }
  if (op == "%" && a.is_string()) return Value(percent_format(a.as_string(), b.is_tuple() ? b.as_list() : List{b}));
  unsupported(op, a, b);
}

}  // namespace cuddle::chat
