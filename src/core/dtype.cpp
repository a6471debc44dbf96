#include "cuddle/dtype.h"

#include <cstring>

#include "cuddle/error.h"

namespace cuddle {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  int bits;
  bool computable;
  bool floating;
};
constexpr DTypeInfo kInfo[] = {
    {DType::F32, "F32", 32, true, true},         {DType::F16, "F16", 16, true, true},
    {DType::BF16, "BF16", 16, true, true},       {DType::F64, "F64", 64, true, true},
    {DType::I64, "I64", 64, true, false},        {DType::I32, "I32", 32, true, false},
    {DType::I16, "I16", 16, true, false},        {DType::I8, "I8", 8, true, false},
    {DType::U8, "U8", 8, true, false},           {DType::Bool, "BOOL", 8, true, false},
    {DType::U16, "U16", 16, false, false},       {DType::U32, "U32", 32, false, false},
    {DType::U64, "U64", 64, false, false},       {DType::F8_E4M3, "F8_E4M3", 8, false, true},
    {DType::F8_E5M2, "F8_E5M2", 8, false, true}, {DType::F8_E8M0, "F8_E8M0", 8, false, true},
    {DType::F4, "F4", 4, false, true},           {DType::F6_E2M3, "F6_E2M3", 6, false, true},
    {DType::F6_E3M2, "F6_E3M2", 6, false, true}, {DType::C64, "C64", 64, false, true},
    {DType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8, false, true},
    {DType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8, false, true},
};
const DTypeInfo& info(DType t) { return kInfo[static_cast<int>(t)]; }
}  // namespace

int dtype_bits(DType t) { return info(t).bits; }

int64_t dtype_nbytes(DType t, int64_t n) {
  int64_t bits = n * info(t).bits;
  if (bits % 8 != 0)
    throw ShapeError(std::to_string(n) + " elements of " + info(t).name +
                     " do not fill whole bytes");
  return bits / 8;
}

bool dtype_computable(DType t) { return info(t).computable; }
bool dtype_is_floating(DType t) { return info(t).floating; }
std::string_view dtype_name(DType t) { return info(t).name; }

bool dtype_from_name(std::string_view name, DType* out) {
  for (const auto& i : kInfo) {
    if (name == i.name) {
      *out = i.type;
      return true;
    }
  }
  return false;
}

void require_computable(DType t, std::string_view what) {
  if (!dtype_computable(t))
    throw ShapeError(std::string(what) + " has dtype " + info(t).name +
                     ", which cuddle can read but not compute with (supported: F32 F16 BF16 "
                     "F64 I64 I32 I16 I8 U8 BOOL)");
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t u;
  if (exp == 0) {
    if (man == 0) {
      u = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while ((man & 0x400) == 0);
      u = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
    }
  } else if (exp == 0x1f) {
    u = sign | 0x7f800000u | man << 13;
  } else {
    u = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  uint32_t exp = (u >> 23) & 0xff;
  uint32_t man = u & 0x7fffff;
  if (exp == 0xff) return sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0);  // inf / NaN
  int32_t e = static_cast<int32_t>(exp) - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;  // overflow -> inf
  if (e <= 0) {                         // subnormal or zero in f16
    if (e < -10) return sign;
    man |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t half = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return sign | static_cast<uint16_t>(half);
  }
  uint32_t half = static_cast<uint32_t>(e) << 10 | man >> 13;
  uint32_t rem = man & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;  // may carry into exponent: correct
  return sign | static_cast<uint16_t>(half);
}

uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  uint32_t rounding = 0x7fff + ((u >> 16) & 1);
  return static_cast<uint16_t>((u + rounding) >> 16);
}

}  // namespace cuddle
