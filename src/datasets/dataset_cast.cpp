// cast_column: a column's values converted to another feature, value by value, with the
// conversions datasets (through pyarrow's safe casts and the features' cast_storage)
// accepts; anything else is an error naming the row.
#include <cmath>

#include "cuddle/datasets.h"
#include "cuddle/error.h"
#include "datasets/python_text.h"

namespace cuddle::datasets {

namespace {

bool is_numeric_dtype(const std::string& d) {
  return d == "bool" || d.rfind("int", 0) == 0 || d.rfind("uint", 0) == 0 || d.rfind("float", 0) == 0;
}

// One value converted to `to`; throws a message (without the row) when it cannot be.
Json cast_value(const Json& v, const Feature& to) {
  if (v.is_null()) return v;
  switch (to.kind) {
    case Feature::Kind::ClassLabel:
      if (v.is_string()) {
        for (size_t i = 0; i < to.names.size(); ++i)
          if (to.names[i] == v.get_ref<const std::string&>()) return static_cast<int64_t>(i);
        throw ShapeError("'" + v.get<std::string>() + "' is not one of the ClassLabel names");
      }
      if (v.is_number_integer() && v.get<int64_t>() >= -1 && v.get<int64_t>() < static_cast<int64_t>(to.names.size()))
        return v;
      throw ShapeError(v.dump() + " is not a class index below " + std::to_string(to.names.size()));
    case Feature::Kind::Image:
      if (v.is_string()) return Json{{"bytes", nullptr}, {"path", v}};
      if (v.is_object()) return v;
      throw ShapeError(v.dump() + " is neither a path nor {bytes, path}");
    case Feature::Kind::Value:
      if (to.dtype == "string" || to.dtype == "large_string") return v.is_string() ? v : Json(python_str(v));
      if (is_numeric_dtype(to.dtype)) {
        Json x = v;
        if (v.is_string()) {  // pyarrow parses numbers from strings
          try {
            x = Json::parse(v.get<std::string>());
          } catch (const Json::exception&) {
            throw ShapeError("'" + v.get<std::string>() + "' is not a number");
          }
          if (!x.is_number()) throw ShapeError("'" + v.get<std::string>() + "' is not a number");
        }
        if (to.dtype == "bool") {
          if (x.is_boolean()) return x;
          if (x.is_number()) return x.get<double>() != 0;
        } else if (to.dtype.rfind("float", 0) == 0) {
          if (x.is_number() || x.is_boolean()) return x.is_boolean() ? Json(x.get<bool>() ? 1.0 : 0.0) : Json(x.get<double>());
        } else {
          if (x.is_boolean()) return x.get<bool>() ? 1 : 0;
          if (x.is_number_integer()) return x;
          // A safe cast keeps only whole floats.
          if (x.is_number_float() && std::isfinite(x.get<double>()) && x.get<double>() == std::floor(x.get<double>()))
            return static_cast<int64_t>(x.get<double>());
        }
        throw ShapeError(v.dump() + " does not convert to " + to.dtype + " without losing its value");
      }
      return v;
    default: return v;
  }
}

}  // namespace

Dataset Dataset::cast_column(const std::string& name, const Feature& feature) const {
  const int c = table_.schema.index_of(name);
  if (c < 0) table_.column(name);  // throws, listing the columns
  const arrow::TypePtr type = feature_type(feature);
  std::vector<Json> values = column_values(name);
  for (size_t i = 0; i < values.size(); ++i) {
    try {
      values[i] = cast_value(values[i], feature);
    } catch (const ShapeError& e) {
      throw ShapeError("cast_column '" + name + "': row " + std::to_string(i) + ": " + e.what());
    }
  }
  std::vector<const Json*> refs;
  refs.reserve(values.size());
  for (const auto& v : values) refs.push_back(&v);
  arrow::ArrayPtr array;
  try {
    array = arrow::array_from_json(refs, type);
  } catch (const ShapeError& e) {
    throw ShapeError("cast_column '" + name + "' to " + arrow::type_to_string(*type) + ": " + e.what());
  }
  return replace_column(c, std::move(array), feature);
}

}  // namespace cuddle::datasets
