// Binary operators with Python's semantics for the types templates use: int stays int,
// `/` gives a float, `//` and `%` round toward negative infinity, str and list concatenate
// and repeat, comparisons order numbers, strings and lists and refuse mixed types.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utf8proc.h>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"
#include "tokenizers/unicode.h"

namespace cuddle::chat {
namespace {

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
    size_t size = seq.as_string().size();
    if (size && static_cast<uint64_t>(n) > kMaxStringBytes / size) throw TemplateFailure("string repetition too large");
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  size_t size = seq.as_list().size();
  if (size && static_cast<uint64_t>(n) > kMaxListItems / size) throw TemplateFailure("list repetition too large");
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return Value::list(std::move(out), seq.is_tuple());
}

// One printf-style conversion: %[flags][width][.precision]conv.
struct FormatSpec {
  std::string flags;
  size_t width = 0;
  std::optional<size_t> precision;
  char conv = 's';
};

// %s / %r: '-' left-justifies in `width`, the precision truncates; both count code points,
// as Python does.
std::string format_text(const FormatSpec& spec, const std::string& text) {
  std::u32string cps = code_points(text);
  if (spec.precision) cps.resize(std::min(cps.size(), *spec.precision));
  std::string out = to_utf8(cps), pad(spec.width > cps.size() ? spec.width - cps.size() : 0, ' ');
  return spec.flags.find('-') != std::string::npos ? out + pad : pad + out;
}

template <class T>
std::string printf_one(const std::string& format, T value) {
  int n = std::snprintf(nullptr, 0, format.c_str(), value);
  if (n < 0) throw TemplateFailure("bad format '" + format + "'");
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format.c_str(), value);
  out.pop_back();
  return out;
}

std::string format_one(const FormatSpec& spec, const Value& v) {
  const char conv = spec.conv;
  if (conv == 's') return format_text(spec, v.str());
  if (conv == 'r') return format_text(spec, v.repr());
  if (!numeric(v)) throw TemplateFailure(std::string("%") + conv + " format: a real number is required, not " + v.type_name());
  std::string f = "%" + spec.flags + (spec.width ? std::to_string(spec.width) : "") +
                  (spec.precision ? "." + std::to_string(*spec.precision) : "");
  if (conv == 'd' || conv == 'i' || conv == 'u')
    return printf_one(f + "lld", v.is_float() ? static_cast<long long>(std::trunc(v.as_number())) : static_cast<long long>(as_int(v)));
  if (conv == 'x' || conv == 'X' || conv == 'o') {
    if (v.is_float()) throw TemplateFailure(std::string("%") + conv + " format: an integer is required, not float");
    return printf_one(f + "ll" + conv, static_cast<long long>(as_int(v)));
  }
  return printf_one(f + conv, v.as_number());
}

// Reads a width or precision: at most 6 digits (a wider field is a runaway template).
size_t format_number(const std::string& fmt, size_t& j) {
  size_t n = 0, digits = 0;
  for (; j < fmt.size() && fmt[j] >= '0' && fmt[j] <= '9'; ++j, ++digits) {
    if (digits == 6) throw TemplateFailure("format field too wide in '" + fmt + "'");
    n = n * 10 + static_cast<size_t>(fmt[j] - '0');
  }
  return n;
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
    FormatSpec spec;
    while (j < fmt.size() && std::string_view("-+ #0").find(fmt[j]) != std::string_view::npos && spec.flags.size() < 5)
      spec.flags += fmt[j++];
    spec.width = format_number(fmt, j);
    if (j < fmt.size() && fmt[j] == '.') spec.precision = format_number(fmt, ++j);
    if (j >= fmt.size()) throw TemplateFailure("incomplete format: '" + fmt + "'");
    spec.conv = fmt[j];
    if (std::string_view("sdiufFeEgGxXor").find(spec.conv) == std::string_view::npos)
      throw TemplateFailure(std::string("unsupported format character '") + spec.conv + "'");
    if (next >= args.size()) throw TemplateFailure("not enough arguments for format string");
    out += format_one(spec, args[next++]);
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

namespace {

Value apply_binary(const std::string& op, const Value& a, const Value& b) {
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

}  // namespace

Value bounded(Value v) {
  if (v.is_string() && v.as_string().size() > kMaxStringBytes) throw TemplateFailure("string longer than the engine allows");
  return v;
}

Value binary_op(const std::string& op, const Value& a, const Value& b) { return bounded(apply_binary(op, a, b)); }

}  // namespace cuddle::chat
