// jinja2's tests: `x is defined`, `x is string`, `n is divisibleby 3`, `x is eq y`, ...
#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"

namespace cuddle::chat {
namespace {

Value one_arg(const char* name, CallArgs& args) {
  ArgReader r(name, args);
  Value v = r.get(0, "other");
  r.done();
  return v;
}

bool integer(const Value& v) { return v.is_int(); }

}  // namespace

bool apply_test(const std::string& name, const Value& x, CallArgs& args) {
  using K = Value::Kind;
  auto no_args = [&] { ArgReader(name.c_str(), args).done(); };
  if (name == "defined") return no_args(), !x.is_undefined();
  if (name == "undefined") return no_args(), x.is_undefined();
  if (name == "none") return no_args(), x.is_none();
  if (name == "boolean") return no_args(), x.is_bool();
  if (name == "true") return no_args(), x.is_bool() && x.as_bool();
  if (name == "false") return no_args(), x.is_bool() && !x.as_bool();
  if (name == "integer") return no_args(), integer(x);
  if (name == "float") return no_args(), x.is_float();
  if (name == "number") return no_args(), x.is_number() || x.is_bool();
  if (name == "string") return no_args(), x.is_string();
  if (name == "mapping") return no_args(), x.is_dict();
  // jinja2's Undefined has a length and iterates (as empty), so it passes both.
  if (name == "sequence") return no_args(), x.is_list() || x.is_string() || x.is_dict() || x.is_undefined();
  if (name == "iterable")
    return no_args(), x.kind() == K::List || x.kind() == K::Dict || x.kind() == K::String || x.is_undefined();
  if (name == "callable") return no_args(), x.is_function();
  if (name == "lower") return no_args(), x.is_string() && x.as_string() == to_lower(x.as_string());
  if (name == "upper") return no_args(), x.is_string() && x.as_string() == to_upper(x.as_string());
  if (name == "even" || name == "odd") {
    no_args();
    if (!integer(x)) throw TemplateFailure("test '" + name + "' needs an integer, got " + x.type_name());
    return (x.as_int() % 2 == 0) == (name == "even");
  }
  if (name == "divisibleby") {
    Value n = one_arg("divisibleby", args);
    if (!integer(x) || !integer(n) || n.as_int() == 0) throw TemplateFailure("test 'divisibleby' needs two integers, the second not 0");
    return x.as_int() % n.as_int() == 0;
  }
  if (name == "sameas") {
    Value y = one_arg("sameas", args);
    // Python's `is`: the singletons compare by value; everything else here is a fresh object.
    bool singleton = x.is_none() || x.is_bool() || x.is_undefined();
    return singleton && x == y && x.kind() == y.kind();
  }
  if (name == "in") return contains(one_arg("in", args), x);
  static const std::pair<const char*, const char*> comparisons[] = {
      {"eq", "=="}, {"equalto", "=="}, {"==", "=="}, {"ne", "!="}, {"!=", "!="}, {"lt", "<"}, {"lessthan", "<"},
      {"<", "<"},   {"le", "<="},      {"<=", "<="}, {"gt", ">"},  {"greaterthan", ">"},   {">", ">"},
      {"ge", ">="}, {">=", ">="}};
  for (auto [test, op] : comparisons)
    if (name == test) return binary_op(op, x, one_arg(test, args)).truthy();
  throw TemplateFailure("unknown test '" + name + "'");
}

}  // namespace cuddle::chat
