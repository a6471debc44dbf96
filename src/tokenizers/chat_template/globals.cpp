// The functions a template can call by name (jinja2's range, namespace, dict and the
// raise_exception / strftime_now that transformers adds), and ArgReader, which binds a
// builtin's arguments the way Python binds them.
#include <ctime>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"

namespace cuddle::chat {
namespace {

Value range(CallArgs& args) {
  ArgReader r("range", args);
  Value a = r.get(0, "start"), b = r.get(1, "stop"), c = r.get(2, "step", Value(1));
  r.done();
  if (a.is_undefined()) r.fail("expected at least 1 argument");
  for (const Value* v : {&a, &b, &c})
    if (!v->is_undefined() && !v->is_int()) r.fail("'" + v->type_name() + "' object cannot be interpreted as an integer");
  int64_t start = b.is_undefined() ? 0 : a.as_int(), stop = b.is_undefined() ? a.as_int() : b.as_int(), step = c.as_int();
  if (step == 0) r.fail("arg 3 must not be zero");
  List out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (out.size() >= kMaxListItems) r.fail("more than " + std::to_string(kMaxListItems) + " items");
    out.emplace_back(i);
  }
  return Value::list(std::move(out));
}

// dict(mapping, **kwargs) and namespace(mapping, **kwargs) take the same arguments.
Dict mapping_args(const char* fn, CallArgs& args) {
  if (args.positional.size() > 1) ArgReader(fn, args).fail("takes at most 1 positional argument");
  Dict items;
  auto put = [&](const std::string& k, const Value& v) {
    for (auto& [old_k, old_v] : items)
      if (old_k == k) {
        old_v = v;
        return;
      }
    items.emplace_back(k, v);
  };
  if (!args.positional.empty()) {
    const Value& m = args.positional[0];
    if (!m.is_dict()) ArgReader(fn, args).fail("expects a mapping, not " + m.type_name());
    for (const auto& [k, v] : m.as_dict()) put(k, v);
  }
  for (const auto& [k, v] : args.keyword) put(k, v);
  return items;
}

}  // namespace

Value ArgReader::get(size_t pos, const char* name, Value fallback) {
  if (pos < args_.positional.size()) {
    positional_used_ = std::max(positional_used_, pos + 1);
    for (const auto& [k, _] : args_.keyword)
      if (k == name) fail(std::string("got multiple values for argument '") + name + "'");
    return args_.positional[pos];
  }
  for (const auto& [k, v] : args_.keyword)
    if (k == name) {
      ++keyword_used_;
      return v;
    }
  return fallback;
}

void ArgReader::done() const {
  if (positional_used_ < args_.positional.size())
    fail("takes " + std::to_string(positional_used_) + " positional argument(s) but " +
         std::to_string(args_.positional.size()) + " were given");
  if (keyword_used_ < args_.keyword.size()) {
    std::string names;
    for (const auto& [k, _] : args_.keyword) names += (names.empty() ? "'" : ", '") + k + "'";
    fail("got an unexpected keyword argument among " + names);
  }
}

void ArgReader::fail(const std::string& what) const { throw TemplateFailure(std::string(fn_) + "(): " + what); }

Value global_function(const std::string& name) {
  if (name == "range") return Value::function(range);
  if (name == "namespace") return Value::function([](CallArgs& a) { return Value::namespace_(mapping_args("namespace", a)); });
  if (name == "dict") return Value::function([](CallArgs& a) { return Value::dict(mapping_args("dict", a)); });
  if (name == "raise_exception") {
    return Value::function([](CallArgs& a) -> Value {
      ArgReader r("raise_exception", a);
      Value message = r.get(0, "message");
      r.done();
      throw TemplateFailure("raise_exception: " + message.str());
    });
  }
  if (name == "strftime_now") {
    return Value::function([](CallArgs& a) {
      ArgReader r("strftime_now", a);
      Value format = r.get(0, "format");
      r.done();
      if (!format.is_string()) r.fail("format must be a str");
      std::time_t now = std::time(nullptr);
      std::tm local{};
      localtime_r(&now, &local);
      char buf[512];
      size_t n = format.as_string().empty() ? 0 : std::strftime(buf, sizeof buf, format.as_string().c_str(), &local);
      if (n == 0 && !format.as_string().empty()) r.fail("format gives an empty or too long date");
      return Value(std::string(buf, n));
    });
  }
  return Value();
}

}  // namespace cuddle::chat
