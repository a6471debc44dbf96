// The vectorisable float math against double-precision libm over the ranges models use.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/vec_math.h"

namespace vm = cuddle::kernels::vmath;

TEST(VecMath, ExpRelativeError) {
  double worst = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
    const double ref = std::exp(double(x));
    worst = std::max(worst, std::fabs(vm::exp(x) - ref) / ref);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(vm::exp(-1e30f), 0.0f);
  EXPECT_EQ(vm::exp(-3.4028235e38f), 0.0f);
  EXPECT_EQ(vm::exp(0.0f), 1.0f);
}

TEST(VecMath, ErfAndTanhAbsoluteError) {
  double werf = 0, wtanh = 0;
  for (float x = -12.0f; x < 12.0f; x += 0.00317f) {
    werf = std::max(werf, std::fabs(vm::erf(x) - std::erf(double(x))));
    wtanh = std::max(wtanh, std::fabs(vm::tanh(x) - std::tanh(double(x))));
  }
  EXPECT_LT(werf, 5e-7);
  EXPECT_LT(wtanh, 2e-7);
  // Tiny arguments keep their relative precision (odd functions near 0).
  EXPECT_NEAR(vm::tanh(1e-5f), std::tanh(double(1e-5f)), 1e-11);
  EXPECT_NEAR(vm::erf(1e-5f), std::erf(double(1e-5f)), 1e-11);
}
