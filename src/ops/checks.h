// Argument checks and dtype normalisation shared by the ops.
#pragma once
#include <string_view>

#include "cuddle/tensor.h"

namespace cuddle::ops::detail {

// A contiguous f32 version of a floating tensor (no copy when it already is one). Throws
// ShapeError "<op>: <arg> must be floating, got I64[2, 3]" otherwise.
Tensor float_input(const Tensor& t, std::string_view op, std::string_view arg);
// A contiguous i64 version of an index tensor (i64, i32, i16, i8, u8, bool).
Tensor index_input(const Tensor& t, std::string_view op, std::string_view arg);
// Throws ShapeError unless t has exactly `dims` dimensions.
void require_dims(const Tensor& t, int64_t dims, std::string_view op, std::string_view arg);
// Throws ShapeError "<op>: <what>: <detail>".
[[noreturn]] void fail(std::string_view op, const std::string& detail);

}  // namespace cuddle::ops::detail
