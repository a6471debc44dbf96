#include "ops/checks.h"

#include <string>

#include "cuddle/autograd.h"

namespace cuddle::ops::detail {

void fail(std::string_view op, const std::string& detail) {
  throw ShapeError(std::string(op) + ": " + detail);
}

Tensor float_input(const Tensor& t, std::string_view op, std::string_view arg) {
  if (!t.defined()) fail(op, std::string(arg) + " is undefined");
  if (!dtype_is_floating(t.dtype()) || !dtype_computable(t.dtype()))
    fail(op, std::string(arg) + " must be floating (f32, f16, bf16, f64), got " + t.describe());
  // The op records its own node against `t`; the conversion must not add one.
  autograd::NoGradGuard no_grad;
  if (t.dtype() != DType::F32) return t.to(DType::F32);
  return t.is_contiguous() ? t : t.contiguous();
}

Tensor index_input(const Tensor& t, std::string_view op, std::string_view arg) {
  if (!t.defined()) fail(op, std::string(arg) + " is undefined");
  switch (t.dtype()) {
    case DType::I64:
      return t.is_contiguous() ? t : t.contiguous();
    case DType::I32: case DType::I16: case DType::I8: case DType::U8: case DType::Bool:
      return t.to(DType::I64);
    default:
      fail(op, std::string(arg) + " must be an integer or bool tensor, got " + t.describe());
  }
}

void require_dims(const Tensor& t, int64_t dims, std::string_view op, std::string_view arg) {
  if (t.dim() != dims)
    fail(op, std::string(arg) + " must have " + std::to_string(dims) + " dimensions, got " +
                 t.describe());
}

}  // namespace cuddle::ops::detail
