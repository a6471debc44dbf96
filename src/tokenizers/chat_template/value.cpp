#include "tokenizers/chat_template/value.h"

#include <algorithm>
#include <cstdio>

#include "core/python_repr.h"
#include "tokenizers/unicode.h"

namespace cuddle::chat {

Value Value::list(List items, bool tuple) {
  Value v;
  v.v_ = ListRef{std::make_shared<const List>(std::move(items)), tuple};
  return v;
}

Value Value::dict(Dict items) {
  Value v;
  v.v_ = std::shared_ptr<const Dict>(std::make_shared<const Dict>(std::move(items)));
  return v;
}

Value Value::namespace_(Dict items) {
  Value v;
  v.v_ = std::make_shared<Dict>(std::move(items));
  return v;
}

Value Value::function(Function f) {
  Value v;
  v.v_ = std::shared_ptr<const Function>(std::make_shared<const Function>(std::move(f)));
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return none();
    case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      // Python ints are unbounded; beyond int64 the closest this engine has is a float.
      return u > static_cast<uint64_t>(INT64_MAX) ? Value(static_cast<double>(u)) : Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict items;
      items.reserve(j.size());
      for (const auto& [k, e] : j.items()) items.emplace_back(k, from_json(e));
      return dict(std::move(items));
    }
    default: return Value();  // binary and discarded values have no Python counterpart
  }
}

double Value::as_number() const {
  switch (kind()) {
    case Kind::Bool: return as_bool() ? 1 : 0;
    case Kind::Int: return static_cast<double>(as_int());
    default: return std::get<double>(v_);
  }
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return as_bool();
    case Kind::Int: return as_int() != 0;
    case Kind::Float: return as_number() != 0;
    case Kind::String: return !as_string().empty();
    case Kind::List: return !as_list().empty();
    case Kind::Dict: return !as_dict().empty();
    default: return true;
  }
}

const Value* Value::find(const std::string& key) const {
  const Dict* d = is_dict() ? &as_dict() : is_namespace() ? &namespace_items() : nullptr;
  if (!d) return nullptr;
  for (const auto& [k, v] : *d)
    if (k == key) return &v;
  return nullptr;
}

std::u32string code_points(const std::string& utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    int len;
    out.push_back(tok::decode_utf8(utf8, i, &len));
    i += len;
  }
  return out;
}

std::string to_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) tok::append_utf8(out, c);
  return out;
}

namespace {

std::string string_repr(const std::string& s) {
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

std::string join_repr(const List& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i].repr();
  return out;
}

// The namespaces whose repr is being written on this thread: a namespace is the one mutable
// value, so `{% set ns.x = (ns, 1) %}` makes it contain itself. Python's dict repr prints
// "{...}" for a dict already being printed; the same here instead of endless recursion.
thread_local std::vector<const Dict*> namespaces_in_repr;

struct ReprGuard {
  explicit ReprGuard(const Dict* d) { namespaces_in_repr.push_back(d); }
  ~ReprGuard() { namespaces_in_repr.pop_back(); }
  ReprGuard(const ReprGuard&) = delete;
  ReprGuard& operator=(const ReprGuard&) = delete;
};

std::string dict_repr(const Dict& d) {
  std::string out = "{";
  for (size_t i = 0; i < d.size(); ++i) out += (i ? ", " : "") + string_repr(d[i].first) + ": " + d[i].second.repr();
  return out + "}";
}

}  // namespace

std::string Value::str() const {
  switch (kind()) {
    case Kind::Undefined: return "";
    case Kind::String: return as_string();
    default: return repr();
  }
}

std::string Value::repr() const {
  switch (kind()) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "None";
    case Kind::Bool: return as_bool() ? "True" : "False";
    case Kind::Int: return std::to_string(as_int());
    case Kind::Float: return python_float_repr(as_number());
    case Kind::String: return string_repr(as_string());
    case Kind::List:
      if (is_tuple()) return "(" + join_repr(as_list()) + (as_list().size() == 1 ? ",)" : ")");
      return "[" + join_repr(as_list()) + "]";
    case Kind::Dict: return dict_repr(as_dict());
    case Kind::Function: return "<function>";
    case Kind::Namespace: {
      const Dict* items = namespace_ptr().get();
      if (std::find(namespaces_in_repr.begin(), namespaces_in_repr.end(), items) != namespaces_in_repr.end())
        return "<Namespace {...}>";
      ReprGuard guard(items);
      return "<Namespace " + dict_repr(*items) + ">";
    }
  }
  return "";
}

std::string Value::type_name() const {
  static const char* names[] = {"Undefined", "NoneType", "bool", "int", "float", "str", "list", "dict", "function", "Namespace"};
  if (is_tuple()) return "tuple";
  return names[static_cast<int>(kind())];
}

bool operator==(const Value& a, const Value& b) {
  using K = Value::Kind;
  auto numeric = [](const Value& v) { return v.is_number() || v.is_bool(); };
  if (numeric(a) && numeric(b)) {
    if (!a.is_float() && !b.is_float()) return (a.is_bool() ? a.as_bool() : a.as_int()) == (b.is_bool() ? b.as_bool() : b.as_int());
    return a.as_number() == b.as_number();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::Undefined:
    case K::None: return true;
    case K::String: return a.as_string() == b.as_string();
    case K::List: return a.is_tuple() == b.is_tuple() && a.as_list() == b.as_list();
    case K::Dict: {
      if (a.as_dict().size() != b.as_dict().size()) return false;
      for (const auto& [k, v] : a.as_dict()) {
        const Value* other = b.find(k);
        if (!other || !(*other == v)) return false;
      }
      return true;
    }
    case K::Function: return std::get<std::shared_ptr<const Function>>(a.v_) == std::get<std::shared_ptr<const Function>>(b.v_);
    case K::Namespace: return std::get<std::shared_ptr<Dict>>(a.v_) == std::get<std::shared_ptr<Dict>>(b.v_);
    default: return false;
  }
}

}  // namespace cuddle::chat
