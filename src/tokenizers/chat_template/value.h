// The values a chat template computes with, modelled on the Python objects jinja2 hands to
// templates: None, bool, int, float, str, list / tuple, dict (insertion ordered, string
// keys), callables (filters' arguments, macros, bound methods), namespace() objects, and
// jinja2's Undefined (what a missing variable, key or attribute gives: prints as "", is
// false, iterates as empty).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cuddle::chat {

class Value;
using List = std::vector<Value>;
// Python dicts keep insertion order; templates print tool schemas in that order.
using Dict = std::vector<std::pair<std::string, Value>>;

// Positional and keyword arguments of a call, as Python receives them.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};
using Function = std::function<Value(CallArgs&)>;

struct Undefined {};
struct None {};

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Function, Namespace };

  Value() : v_(Undefined{}) {}
  static Value none() { return Value(None{}); }
  Value(bool b) : v_(b) {}
  Value(int i) : v_(int64_t{i}) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  static Value list(List items, bool tuple = false);
  static Value dict(Dict items);
  // A namespace() object: the one mutable value (`{% set ns.x = ... %}` changes it for every
  // holder), so it is shared, not copied.
  static Value namespace_(Dict items);
  static Value function(Function f);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_function() const { return kind() == Kind::Function; }
  bool is_namespace() const { return kind() == Kind::Namespace; }
  bool is_tuple() const { return is_list() && std::get<ListRef>(v_).tuple; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  // Int or float (bool counts as an int, as in Python).
  double as_number() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const List& as_list() const { return *std::get<ListRef>(v_).items; }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<const Dict>>(v_); }
  Dict& namespace_items() const { return *std::get<std::shared_ptr<Dict>>(v_); }
  const std::shared_ptr<Dict>& namespace_ptr() const { return std::get<std::shared_ptr<Dict>>(v_); }
  const Function& as_function() const { return *std::get<std::shared_ptr<const Function>>(v_); }

  // Python's truth value (Undefined is false).
  bool truthy() const;
  // str(value) as jinja2 prints it into the output ("" for Undefined, "None", "True", lists
  // and dicts as their repr).
  std::string str() const;
  // repr(value): strings quoted the way Python quotes them.
  std::string repr() const;
  // The type name Python would give in an error message.
  std::string type_name() const;
  // The dict entry for `key`, or nullptr (dicts and namespaces).
  const Value* find(const std::string& key) const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  struct ListRef {
    std::shared_ptr<const List> items;
    bool tuple = false;
  };
  explicit Value(None) : v_(None{}) {}
  // Order matches Kind.
  std::variant<Undefined, None, bool, int64_t, double, std::string, ListRef, std::shared_ptr<const Dict>,
               std::shared_ptr<const Function>, std::shared_ptr<Dict>>
      v_;
};

// The value as a string of code points (Python's str indexing and len count code points).
std::u32string code_points(const std::string& utf8);
std::string to_utf8(std::u32string_view cps);

}  // namespace cuddle::chat
