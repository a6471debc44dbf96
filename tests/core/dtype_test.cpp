#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "cuddle/dtype.h"
#include "cuddle/error.h"

using namespace cuddle;

// Exhaustive: every f16 bit pattern survives f16 -> f32 -> f16, and the f32 value matches
// the IEEE definition computed independently.
TEST(DType, F16RoundTripsEveryPattern) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = f16_to_f32(static_cast<uint16_t>(h));
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double expect;
    if (exp == 0) expect = std::ldexp(static_cast<double>(man), -24);
    else if (exp == 31) expect = man ? NAN : INFINITY;
    else expect = std::ldexp(1.0 + man / 1024.0, static_cast<int>(exp) - 15);
    if (h & 0x8000) expect = -expect;
    if (std::isnan(expect)) {
      ASSERT_TRUE(std::isnan(f)) << h;
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), expect) << h;
    ASSERT_EQ(f32_to_f16(f), h) << h;
  }
}

TEST(DType, F16RoundsToNearestEven) {
  // 1 + 2^-11 is exactly between 1 and the next f16 (1 + 2^-10): ties to even -> 1.
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3*2^-11 ties between 1+2^-10 (odd) and 1+2^-9 (even) -> 1+2^-9.
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // rounds up to infinity
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // tie to even zero
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
}

TEST(DType, BF16RoundTripsEveryPattern) {
  for (uint32_t b = 0; b < 65536; ++b) {
    float f = bf16_to_f32(static_cast<uint16_t>(b));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_bf16(f), b) << b;
  }
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);   // tie -> even
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

TEST(DType, NamesAndSizes) {
  DType t;
  ASSERT_TRUE(dtype_from_name("BF16", &t));
  EXPECT_EQ(t, DType::BF16);
  EXPECT_FALSE(dtype_from_name("F128", &t));
  EXPECT_EQ(dtype_bits(DType::F4), 4);
  EXPECT_EQ(dtype_nbytes(DType::F4, 6), 3);
  EXPECT_THROW(dtype_nbytes(DType::F4, 3), ShapeError);
  EXPECT_EQ(dtype_nbytes(DType::F6_E2M3, 4), 3);
  EXPECT_FALSE(dtype_computable(DType::F8_E4M3));
  EXPECT_THROW(require_computable(DType::U32, "x"), ShapeError);
}
