// Typed reads from config.json with transformers' defaults. A key that is absent (or null
// where the Python default is None) takes the default; a key of the wrong type is a
// FormatError naming the file, the key, the value and the expected type.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cuddle/activation.h"

namespace cuddle::models {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {}
  int64_t integer(const char* key, int64_t def) const;
  double number(const char* key, double def) const;
  bool boolean(const char* key, bool def) const;
  std::string string(const char* key, const std::string& def) const;
  std::optional<int64_t> optional_integer(const char* key, std::optional<int64_t> def) const;
  // The activation function `name` (the value read from `key`); an unknown name is a
  // FormatError naming the file, the key and the supported names.
  Activation activation(const char* key, const std::string& name) const;
  const nlohmann::json& json() const { return j_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const char* key, const std::string& expected) const;

 private:
  const nlohmann::json* find(const char* key) const;  // null when absent or JSON null
  const nlohmann::json& j_;
  std::string path_;
};

}  // namespace cuddle::models
