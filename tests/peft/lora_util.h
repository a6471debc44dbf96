// Shared by the PEFT tests: the reference inputs and tensor comparisons.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "cuddle/models.h"
#include "cuddle/safetensors.h"

namespace cuddle::test {

inline ModelInputs reference_inputs(const std::string& path) {
  const SafetensorsFile f = SafetensorsFile::open(path);
  ModelInputs in;
  in.input_ids = f.tensor("input_ids").clone();
  if (f.contains("attention_mask")) in.attention_mask = f.tensor("attention_mask").clone();
  if (f.contains("token_type_ids")) in.token_type_ids = f.tensor("token_type_ids").clone();
  return in;
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  const Tensor x = a.contiguous().to(DType::F32), y = b.contiguous().to(DType::F32);
  double m = 0.0;
  for (int64_t i = 0; i < x.numel(); ++i)
    m = std::max(m, std::abs(static_cast<double>(x.data<float>()[i]) - y.data<float>()[i]));
  return m;
}

}  // namespace cuddle::test
