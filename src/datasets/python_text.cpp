#include "python_text.h"

#include "core/python_repr.h"

namespace cuddle::datasets {

std::string python_str(const arrow::Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return python_float_repr(v.get<double>());
  return v.dump();
}

}  // namespace cuddle::datasets
