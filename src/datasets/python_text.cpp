#include "python_text.h"

#include <charconv>
#include <cmath>

namespace cuddle::datasets {

std::string python_str(const arrow::Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    // repr: the shortest round-trip digits, positional for exponents -4..15, else
    // scientific ("1e+16", "1.5e-05"), as std::to_chars writes it.
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, r.ptr);
    int exp = std::stoi(sci.substr(sci.find('e') + 1));
    if (exp < -4 || exp >= 16) return sci;
    r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string fixed(buf, r.ptr);
    if (fixed.find('.') == std::string::npos) fixed += ".0";
    return fixed;
  }
  return v.dump();
}

}  // namespace cuddle::datasets
