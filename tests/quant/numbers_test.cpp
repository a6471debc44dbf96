// bitsandbytes' numbers on hand-worked vectors: the code tables, LLM.int8 rounding (float16
// cast, half to even), 4-bit bucketing (ties to the lower code, FP4's +0/-0 order), packing
// (first element in the high nibble) and double quantisation of the absmax.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/quant.h"

using namespace cuddle;
using namespace cuddle::quant;

TEST(QuantTables, Nf4AndFp4AreBitsandbytesValues) {
  const auto& nf4 = four_bit_code(FourBitType::NF4);
  EXPECT_EQ(nf4[0], -1.0f);
  EXPECT_EQ(nf4[7], 0.0f);
  EXPECT_EQ(nf4[8], 0.07958029955625534f);
  EXPECT_EQ(nf4[15], 1.0f);
  for (int i = 1; i < 16; ++i) EXPECT_LT(nf4[i - 1], nf4[i]);
  const auto& fp4 = four_bit_code(FourBitType::FP4);
  // 0b0011 = 12 / 12, 0b0001 = 0.0625 / 12, 0b1011 = -12 / 12.
  EXPECT_EQ(fp4[3], 1.0f);
  EXPECT_EQ(fp4[1], 0.0625f / 12.0f);
  EXPECT_EQ(fp4[11], -1.0f);
  EXPECT_EQ(fp4[5], 0.5f);
  EXPECT_TRUE(std::signbit(fp4[8]));
}

TEST(QuantTables, DynamicMapIsSortedSignedEightBitMap) {
  const auto& m = dynamic_map();
  for (int i = 1; i < 256; ++i) EXPECT_LE(m[i - 1], m[i]);
  EXPECT_EQ(m[255], 1.0f);
  // -(mean of the last two of linspace(0.1, 1, 65)) = -(1 - 0.9 / 128) at exponent 0.
  EXPECT_NEAR(m[0], -0.99296875f, 1e-7f);
  EXPECT_EQ(m[127], 0.0f);
  // The smallest magnitudes: 1e-6 times the mean of linspace(0.1, 1, 2) = 5.5e-7.
  EXPECT_FLOAT_EQ(m[128], 5.5e-7f);
}

TEST(QuantInt8, RowAbsmaxRoundHalfEvenAfterFloat16Cast) {
  // Row 0: absmax 127, scale 1: 62.5 -> 62 and 63.5 -> 64 (half to even), -2.5 -> -2.
  // Row 1: 0.1 becomes 0.0999755859375 in float16; that is SCB, and the row is +-127.
  // Row 2: all zero stays zero.
  const Tensor w = Tensor::from_vector<float>({127, 62.5f, 63.5f, -2.5f, 0.1f, -0.1f, 0.05f, 0, 0, 0, 0, 0}, {3, 4});
  const Int8Weight q = quantize_int8(w);
  EXPECT_EQ(q.CB.to_int_vector(), (std::vector<int64_t>{127, 62, 64, -2, 127, -127, 64, 0, 0, 0, 0, 0}));
  const auto scb = q.SCB.to_float_vector();
  EXPECT_EQ(scb[0], 127.0f);
  EXPECT_EQ(scb[1], 0.0999755859375f);
  EXPECT_EQ(scb[2], 0.0f);
  // Dequantized as (q * SCB) * 7.874015718698502e-3f.
  const auto dq = dequantize_int8(q).to_float_vector();
  EXPECT_EQ(dq[1], (62.0f * 127.0f) * 7.874015718698502e-3f);
  EXPECT_EQ(dq[6], (64.0f * 0.0999755859375f) * 7.874015718698502e-3f);
}

TEST(Quant4bit, Nf4ExactCodesTiesAndPacking) {
  // One block of 64: absmax 2; element i (i < 16) is 2 * code[i], so it quantizes to i.
  std::vector<float> x(64, 0.0f);
  const auto& nf4 = four_bit_code(FourBitType::NF4);
  for (int i = 0; i < 16; ++i) x[i] = 2.0f * nf4[i];
  // Exactly on the midpoint of codes 7 (0) and 8: the lower code; just above: the upper.
  const float mid = (nf4[7] + nf4[8]) / 2.0f;
  x[16] = 2.0f * mid;
  x[17] = 2.0f * std::nextafter(mid, 1.0f);
  const FourBitWeight q = quantize_4bit(Tensor::from_vector(x, {2, 32}), FourBitType::NF4, false);
  ASSERT_EQ(q.packed.shape(), (Shape{32, 1}));
  const auto bytes = q.packed.to_int_vector();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(bytes[i], (2 * i) << 4 | (2 * i + 1)) << "byte " << i;
  EXPECT_EQ(bytes[8], 7 << 4 | 8);
  EXPECT_EQ(bytes[9], 7 << 4 | 7);  // zeros are code 7
  EXPECT_EQ(q.absmax.to_float_vector(), std::vector<float>{2.0f});
  const auto dq = dequantize_4bit(q).to_float_vector();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(dq[i], x[i]);
}

TEST(Quant4bit, Fp4SignedZeroOrderAndOddTail) {
  // 65 values: a full block and a one-element tail block (divided by its own absmax),
  // padded with a zero nibble.
  std::vector<float> x(65, 0.0f);
  x[0] = 1.0f;      // code 3 (12/12)
  x[1] = -1.0f;     // code 11
  x[2] = 0.5f;      // code 5 (6/12)
  x[3] = 1e-7f;     // between the two zeros and 0.0052: torch's stable argsort gives -0 (8)
  x[4] = -1e-7f;    // and +0 (0) to the negative side
  x[64] = -3.0f;    // tail block: absmax 3, -1 -> code 11
  const FourBitWeight q = quantize_4bit(Tensor::from_vector(x, {65}), FourBitType::FP4, false);
  const auto bytes = q.packed.to_int_vector();
  ASSERT_EQ(bytes.size(), 33u);
  EXPECT_EQ(bytes[0], 3 << 4 | 11);
  EXPECT_EQ(bytes[1], 5 << 4 | 8);
  EXPECT_EQ(bytes[2], 0 << 4 | 0);
  EXPECT_EQ(bytes[32], 11 << 4 | 0);
  EXPECT_EQ(q.absmax.to_float_vector(), (std::vector<float>{1.0f, 3.0f}));
  EXPECT_EQ(dequantize_4bit(q).to_float_vector()[64], -3.0f);
}

TEST(Quant4bit, DoubleQuantisationOfTheAbsmax) {
  // Four blocks with absmax 1, 2, 3, 4: offset 2.5, centred -1.5 .. 1.5, one nested block
  // (256) with absmax 1.5; -1 takes the map's lowest code (0), +1 its highest (255).
  std::vector<float> x(256, 0.0f);
  for (int b = 0; b < 4; ++b) x[b * 64] = float(b + 1);
  const FourBitWeight q = quantize_4bit(Tensor::from_vector(x, {4, 64}), FourBitType::NF4, true);
  ASSERT_TRUE(q.nested);
  EXPECT_EQ(q.nested_offset, 2.5f);
  EXPECT_EQ(q.nested_absmax.to_float_vector(), std::vector<float>{1.5f});
  const auto codes = q.absmax.to_int_vector();
  EXPECT_EQ(codes[0], 0);
  EXPECT_EQ(codes[3], 255);
  const auto absmax = block_absmax(q);
  EXPECT_EQ(absmax[3], 1.0f * 1.5f + 2.5f);
  EXPECT_EQ(absmax[0], dynamic_map()[0] * 1.5f + 2.5f);
  // -0.5 / 1.5 = -1/3 lands on the nearest map value.
  EXPECT_NEAR(absmax[1], 2.0f, 0.01f);
}

TEST(Quant4bit, RandomWeightsDequantizeWithinHalfTheCodeGap) {
  std::vector<float> x(64 * 48);
  uint32_t s = 12345;
  for (auto& v : x) {
    s = s * 1664525u + 1013904223u;
    v = (float(s >> 8) / float(1 << 24) - 0.5f) * 0.2f;
  }
  for (FourBitType type : {FourBitType::NF4, FourBitType::FP4}) {
    const FourBitWeight q = quantize_4bit(Tensor::from_vector(x, {48, 64}), type, false);
    const auto dq = dequantize_4bit(q).to_float_vector();
    const auto absmax = q.absmax.to_float_vector();
    // The largest gap between neighbouring codes is 0.3038 (nf4: -1 .. -0.6962) and 1/3
    // (fp4: 2/3 .. 1): no value is further than half of it (times the absmax) from its code.
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_LE(std::fabs(dq[i] - x[i]), absmax[i / 64] * (type == FourBitType::NF4 ? 0.152f : 0.167f)) << i;
  }
}
