// Compares a pipeline's JSON with transformers' recorded output: same structure, keys,
// strings and integers; floats within a tolerance. Returns "" when equal, else where the
// first difference is.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace cuddle::test {

template <class A, class B>
std::string json_diff(const A& got, const B& want, double tol, const std::string& at = "$") {
  if (want.is_number_float() || (want.is_number() && got.is_number_float())) {
    if (!got.is_number()) return at + ": expected a number, got " + got.dump();
    double d = std::fabs(got.template get<double>() - want.template get<double>());
    if (!(d <= tol)) return at + ": " + got.dump() + " vs " + want.dump() + " (diff " + std::to_string(d) + ")";
    return "";
  }
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size())
      return at + ": expected an array of " + std::to_string(want.size()) + ", got " + got.dump().substr(0, 200);
    for (size_t i = 0; i < want.size(); ++i)
      if (auto d = json_diff(got[i], want[i], tol, at + "[" + std::to_string(i) + "]"); !d.empty()) return d;
    return "";
  }
  if (want.is_object()) {
    if (!got.is_object() || got.size() != want.size())
      return at + ": expected " + want.dump().substr(0, 200) + ", got " + got.dump().substr(0, 200);
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) return at + ": missing key " + k;
      if (auto d = json_diff(got[k], v, tol, at + "." + k); !d.empty()) return d;
    }
    return "";
  }
  if (got.dump() != want.dump()) return at + ": " + got.dump() + " vs " + want.dump();
  return "";
}

}  // namespace cuddle::test
