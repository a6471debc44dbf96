#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cuddle/error.h"
#include "kernels/cpu/kernels.h"
#include "kernels/reference.h"

using namespace cuddle;

namespace {
const Activation kAll[] = {Activation::Identity, Activation::Gelu,      Activation::Gelu10,
                           Activation::GeluTanh, Activation::QuickGelu, Activation::Relu,
                           Activation::Relu2,    Activation::Relu6,     Activation::LeakyRelu,
                           Activation::Silu,     Activation::Mish,      Activation::Sigmoid,
                           Activation::Tanh,     Activation::Laplace};
}

TEST(Activation, EveryKindMatchesReference) {
  std::mt19937 rng(1);
  for (Activation act : kAll) {
    // Odd length so vector remainders run; values span the saturating regions too.
    auto x = test::random_vector(rng, 1001, -30.0f, 30.0f);
    auto small = test::random_vector(rng, 333, -3.0f, 3.0f);
    x.insert(x.end(), small.begin(), small.end());
    auto y = x;
    kernels::activation(act, y.data(), static_cast<int64_t>(y.size()));
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double ref = test::ref_activation(act, x[i]);
      // Relative for large outputs (relu2 reaches 900), absolute near zero.
      worst = std::max(worst, std::fabs(y[i] - ref) / std::max(1.0, std::fabs(ref)));
    }
    EXPECT_LT(worst, 1e-6) << activation_name(act);
  }
}

TEST(Activation, NamesFollowAct2Fn) {
  EXPECT_EQ(activation_from_name("gelu"), Activation::Gelu);
  EXPECT_EQ(activation_from_name("gelu_new"), Activation::GeluTanh);
  EXPECT_EQ(activation_from_name("gelu_pytorch_tanh"), Activation::GeluTanh);
  EXPECT_EQ(activation_from_name("swish"), Activation::Silu);
  EXPECT_EQ(activation_from_name("quick_gelu"), Activation::QuickGelu);
  for (Activation act : kAll) EXPECT_EQ(activation_from_name(activation_name(act)), act);
  try {
    activation_from_name("gelu_fancy");
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("gelu_fancy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("quick_gelu"), std::string::npos);
  }
}
