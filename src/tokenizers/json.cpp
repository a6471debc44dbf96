#include "tokenizers/json.h"

namespace cuddle::tok {

// "file: a.b[2]": the root path is "file: ", children append ".key" or "[i]".
static std::string child(const std::string& path, const char* key) {
  return path + (!path.empty() && path.back() == ' ' ? "" : ".") + key;
}

void JsonRef::fail(const std::string& what) const {
  throw FormatError(path + (!path.empty() && path.back() == ' ' ? "" : ": ") + what);
}

bool JsonRef::has(const char* key) const {
  if (!value.is_object()) return false;
  return value[key].error() == simdjson::SUCCESS;
}

JsonRef JsonRef::at(const char* key) const {
  if (!value.is_object()) fail("expected an object with key \"" + std::string(key) + "\"");
  auto r = value[key];
  if (r.error()) fail("missing key \"" + std::string(key) + "\"");
  return {r.value_unsafe(), child(path, key)};
}

std::optional<JsonRef> JsonRef::get(const char* key) const {
  if (!value.is_object()) return std::nullopt;
  auto r = value[key];
  if (r.error() || r.value_unsafe().is_null()) return std::nullopt;
  return JsonRef{r.value_unsafe(), child(path, key)};
}

JsonRef JsonRef::at(size_t index) const {
  if (!value.is_array()) fail("expected an array");
  auto r = value.at(index);
  if (r.error()) fail("index " + std::to_string(index) + " out of range");
  return {r.value_unsafe(), path + "[" + std::to_string(index) + "]"};
}

std::vector<JsonRef> JsonRef::elements() const {
  if (!value.is_array()) fail("expected an array");
  std::vector<JsonRef> out;
  size_t i = 0;
  for (Json v : simdjson::dom::array(value)) out.push_back({v, path + "[" + std::to_string(i++) + "]"});
  return out;
}

size_t JsonRef::size() const {
  if (!value.is_array()) fail("expected an array");
  return simdjson::dom::array(value).size();
}

std::string_view JsonRef::view() const {
  if (!value.is_string()) fail("expected a string");
  return std::string_view(value);
}
std::string JsonRef::str() const { return std::string(view()); }

bool JsonRef::boolean() const {
  if (!value.is_bool()) fail("expected true or false");
  return bool(value);
}

int64_t JsonRef::integer() const {
  if (value.is_int64()) return int64_t(value);
  if (value.is_uint64()) {
    uint64_t v = uint64_t(value);
    if (v > static_cast<uint64_t>(INT64_MAX)) fail("integer too large");
    return static_cast<int64_t>(v);
  }
  fail("expected an integer");
}

double JsonRef::number() const {
  if (value.is_double()) return double(value);
  if (value.is_int64()) return static_cast<double>(int64_t(value));
  if (value.is_uint64()) return static_cast<double>(uint64_t(value));
  fail("expected a number");
}

std::string JsonRef::type_name() const { return at("type").str(); }

std::string JsonRef::str(const char* key, const std::string& def) const {
  auto v = get(key);
  return v ? v->str() : def;
}
bool JsonRef::boolean(const char* key, bool def) const {
  auto v = get(key);
  return v ? v->boolean() : def;
}
int64_t JsonRef::integer(const char* key, int64_t def) const {
  auto v = get(key);
  return v ? v->integer() : def;
}

}  // namespace cuddle::tok
