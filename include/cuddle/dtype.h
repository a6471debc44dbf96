// Element types. The first ten are the types cuddle computes with; the rest exist so that
// every dtype a safetensors file can name is read and reported, then rejected clearly when
// an operation is asked to compute with it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace cuddle {

enum class DType : uint8_t {
  F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool,
  // storage-only
  U16, U32, U64, F8_E4M3, F8_E5M2, F8_E8M0, F4, F6_E2M3, F6_E3M2, C64, F8_E4M3FNUZ, F8_E5M2FNUZ,
};

// Size of one element in bits (F4 is 4, F6 types are 6).
int dtype_bits(DType t);
// Size in bytes of n elements; throws for sub-byte types whose n elements do not fill whole bytes.
int64_t dtype_nbytes(DType t, int64_t n);
// True for the types kernels and ops accept.
bool dtype_computable(DType t);
bool dtype_is_floating(DType t);
// The safetensors spelling ("F32", "BF16", "BOOL", ...).
std::string_view dtype_name(DType t);
// Parses a safetensors dtype name; returns false if unknown.
bool dtype_from_name(std::string_view name, DType* out);
// Throws ShapeError naming `what` when t is storage-only.
void require_computable(DType t, std::string_view what);

// Exact IEEE conversions (round-to-nearest-even on the narrowing side, NaN preserved).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
inline float bf16_to_f32(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
uint16_t f32_to_bf16(float f);

// Maps C++ element types to DType for templated code.
template <typename T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::I16; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::I8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };

}  // namespace cuddle
