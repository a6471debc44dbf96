#include "models/config_json.h"

#include "cuddle/error.h"

namespace cuddle::models {

const nlohmann::json* ConfigReader::find(const char* key) const {
  auto it = j_.find(key);
  return it == j_.end() || it->is_null() ? nullptr : &*it;
}

void ConfigReader::fail(const char* key, const std::string& expected) const {
  auto it = j_.find(key);
  throw FormatError(path_ + ": \"" + key + "\" must be " + expected + ", got " +
                    (it == j_.end() ? std::string("nothing") : it->dump()));
}

int64_t ConfigReader::integer(const char* key, int64_t def) const {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_number_integer()) fail(key, "an integer");
  return v->get<int64_t>();
}

std::optional<int64_t> ConfigReader::optional_integer(const char* key,
                                                      std::optional<int64_t> def) const {
  if (j_.contains(key) && j_.at(key).is_null()) return std::nullopt;
  if (!j_.contains(key)) return def;
  return integer(key, 0);
}

double ConfigReader::number(const char* key, double def) const {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_number()) fail(key, "a number");
  return v->get<double>();
}

bool ConfigReader::boolean(const char* key, bool def) const {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_boolean()) fail(key, "true or false");
  return v->get<bool>();
}

std::string ConfigReader::string(const char* key, const std::string& def) const {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_string()) fail(key, "a string");
  return v->get<std::string>();
}

Activation ConfigReader::activation(const char* key, const std::string& name) const {
  try {
    return activation_from_name(name);
  } catch (const Error& e) {
    throw FormatError(path_ + ": \"" + key + "\": " + e.what());
  }
}

}  // namespace cuddle::models
