// Reading tokenizer.json with simdjson: typed getters whose errors name the file and the
// JSON path of the key (e.g. "tokenizer.json: model.merges[3]: expected a string").
#pragma once
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::tok {

using Json = simdjson::dom::element;

// A JSON value plus where it came from, for error messages.
struct JsonRef {
  Json value;
  std::string path;  // "file: a.b[2]"

  [[noreturn]] void fail(const std::string& what) const;
  bool has(const char* key) const;
  bool is_null() const { return value.is_null(); }
  JsonRef at(const char* key) const;               // required
  std::optional<JsonRef> get(const char* key) const;  // absent or null -> nullopt
  JsonRef at(size_t index) const;
  // The elements of an array, in order (simdjson's at(i) is linear, so loops use this).
  std::vector<JsonRef> elements() const;
  size_t size() const;  // array length
  bool is_array() const { return value.is_array(); }
  bool is_object() const { return value.is_object(); }
  bool is_string() const { return value.is_string(); }
  std::string str() const;
  std::string_view view() const;
  bool boolean() const;
  int64_t integer() const;
  double number() const;
  std::string type_name() const;  // the "type" field of a component

  std::string str(const char* key, const std::string& def) const;
  bool boolean(const char* key, bool def) const;
  int64_t integer(const char* key, int64_t def) const;
};

// Thrown for a component type the library does not implement.
class UnknownComponentError : public FormatError {
 public:
  using FormatError::FormatError;
};

}  // namespace cuddle::tok
