// What templates call by name: filters (`x | name`), tests (`x is name`), operators,
// attribute / item access with the Python methods of str and dict, and the global
// functions transformers provides. Failures throw TemplateFailure; the interpreter adds the
// line.
#pragma once
#include <optional>
#include <string>

#include "tokenizers/chat_template/value.h"

namespace cuddle::chat {

// Bounds that stop a runaway (or hostile) template long before memory or time run out;
// real chat templates stay orders of magnitude below them.
constexpr size_t kMaxStringBytes = size_t{1} << 26;  // one string value, and the whole output
constexpr size_t kMaxListItems = size_t{1} << 20;    // one list built by range() or repetition
constexpr int64_t kMaxLoopIterations = 200'000;      // for-loop iterations of one render, all loops together
// `v`, or a failure when it is a string over kMaxStringBytes.
Value bounded(Value v);

Value apply_filter(const std::string& name, const Value& input, CallArgs& args);
// Whether apply_filter knows `name` (jinja2 rejects an unknown filter when it compiles).
bool is_filter(const std::string& name);
bool apply_test(const std::string& name, const Value& input, CallArgs& args);
// Binary operators: + - * / // % ** ~ == != < <= > >= in, "not in".
Value binary_op(const std::string& op, const Value& a, const Value& b);
// Python's ordering of two values (numbers, strings, lists): <0, 0, >0; throws for types
// Python cannot order. case_sensitive=false compares strings lowercased, as jinja2's sort,
// min, max and unique filters do by default.
int compare(const Value& a, const Value& b, bool case_sensitive = true);
// Python's `item in container`.
bool contains(const Value& container, const Value& item);
// str.upper() / str.lower() one code point at a time (simple case mapping).
std::string to_upper(const std::string& s);
std::string to_lower(const std::string& s);

// jinja2's `obj.name`: a method of str / dict wins over a dict key of the same name.
Value get_attr(const Value& obj, const std::string& name);
// jinja2's `obj[key]`: the key first, then an attribute of that name.
Value get_item(const Value& obj, const Value& key);
// obj[start:stop:step] on lists, tuples and strings (null parts: Undefined).
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// range, namespace, dict, raise_exception, strftime_now; Undefined for other names.
Value global_function(const std::string& name);

// The elements a for loop or a filter walks: list items, dict keys, string characters;
// Undefined gives none.
List iterate(const Value& v);

// Reads a builtin's arguments by position or keyword, as Python binds them.
class ArgReader {
 public:
  ArgReader(const char* function, CallArgs& args) : fn_(function), args_(args) {}
  // The argument at `pos` or named `name`; `fallback` when absent.
  Value get(size_t pos, const char* name, Value fallback = Value());
  // Fails when an argument was given that no get() asked for.
  void done() const;
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const char* fn_;
  CallArgs& args_;
  size_t positional_used_ = 0;
  size_t keyword_used_ = 0;
};

// Python's printf-style `fmt % args` (also the `format` filter).
std::string percent_format(const std::string& fmt, const List& args);

struct JsonOptions {
  std::optional<std::string> indent;  // json.dumps(indent=...) as the string put per level
  bool ensure_ascii = false;
  std::string item_separator, key_separator;
  bool sort_keys = false;
};
// Python's json.dumps with those options (transformers' tojson filter).
std::string to_json(const Value& v, const JsonOptions& options);

}  // namespace cuddle::chat
