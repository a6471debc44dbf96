// The tape itself: accumulation, no_grad, freezing, freed graphs, error messages, and that
// inference records nothing.
#include <gtest/gtest.h>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::error_of;

Tensor vec(std::vector<float> v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }

TEST(Autograd, InferenceRecordsNothing) {
  Tensor w = vec({1, 2, 3});
  Tensor y = ops::mul(w, w);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.autograd_meta(), nullptr);
}

TEST(Autograd, GradientOfProductAndSum) {
  Tensor a = vec({1, 2, 3}).set_requires_grad();
  Tensor b = vec({4, 5, 6}).set_requires_grad();
  Tensor loss = ops::sum(ops::mul(a, b));
  EXPECT_FLOAT_EQ(loss.data<float>()[0], 32.0f);
  loss.backward();
  EXPECT_EQ(a.grad().to_float_vector(), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(b.grad().to_float_vector(), (std::vector<float>{1, 2, 3}));
}

TEST(Autograd, AccumulatesAcrossBackwardCallsUntilCleared) {
  Tensor a = vec({1, 2}).set_requires_grad();
  ops::sum(ops::scale(a, 3.0f)).backward();
  ops::sum(ops::scale(a, 2.0f)).backward();
  EXPECT_EQ(a.grad().to_float_vector(), (std::vector<float>{5, 5}));
  a.set_grad(Tensor());
  EXPECT_FALSE(a.grad().defined());
}

TEST(Autograd, ATensorUsedTwiceSumsBothPaths) {
  Tensor a = vec({2, 3}).set_requires_grad();
  Tensor y = ops::add(ops::mul(a, a), a);  // a^2 + a
  ops::sum(y).backward();
  EXPECT_EQ(a.grad().to_float_vector(), (std::vector<float>{5, 7}));
}

TEST(Autograd, NoGradAndFrozenParametersRecordNothing) {
  Tensor a = vec({1, 2}).set_requires_grad();
  {
    autograd::NoGradGuard guard;
    EXPECT_FALSE(ops::mul(a, a).requires_grad());
  }
  Tensor frozen = vec({3, 4}).set_requires_grad();
  frozen.set_requires_grad(false);
  Tensor y = ops::sum(ops::mul(a, frozen));
  y.backward();
  EXPECT_EQ(a.grad().to_float_vector(), (std::vector<float>{3, 4}));
  EXPECT_FALSE(frozen.grad().defined());
}

TEST(Autograd, ViewsRouteGradientsBack) {
  Tensor a = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}).set_requires_grad();
  Tensor y = ops::sum(ops::mul(a.transpose(0, 1).contiguous(), Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2})));
  y.backward();
  // a^T[i][j] multiplies w[i][j]: a[j][i] gets w[i][j].
  EXPECT_EQ(a.grad().to_float_vector(), (std::vector<float>{1, 3, 5, 2, 4, 6}));
  Tensor b = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}).set_requires_grad();
  ops::sum(ops::scale(b.select(0, 1), 2.0f)).backward();
  EXPECT_EQ(b.grad().to_float_vector(), (std::vector<float>{0, 0, 0, 2, 2, 2}));
  Tensor c = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}).set_requires_grad();
  ops::sum(c.slice(1, 1, 3).reshape({4})).backward();
  EXPECT_EQ(c.grad().to_float_vector(), (std::vector<float>{0, 1, 1, 0, 1, 1}));
}

TEST(Autograd, ErrorsNameTheProblem) {
  Tensor a = vec({1, 2}).set_requires_grad();
  Tensor y = ops::mul(a, a);
  EXPECT_NE(error_of([&] { y.backward(); }).find("one-element"), std::string::npos);
  Tensor loss = ops::sum(y);
  loss.backward();
  EXPECT_NE(error_of([&] { loss.backward(); }).find("freed by an earlier backward"), std::string::npos);
  Tensor plain = vec({1});
  EXPECT_NE(error_of([&] { plain.backward(); }).find("does not require grad"), std::string::npos);
  EXPECT_NE(error_of([&] { y.set_requires_grad(false); }).find("not a leaf"), std::string::npos);
  EXPECT_NE(error_of([&] { ops::sum(y).backward(Tensor::full({2}, 1.0f)); }).find("does not match the output"),
            std::string::npos);
}

TEST(Autograd, RetainGraphAllowsASecondBackward) {
  Tensor a = vec({1, 2}).set_requires_grad();
  Tensor loss = ops::sum(ops::mul(a, a));
  loss.backward(/*retain_graph=*/true);
  loss.backward();
  EXPECT_EQ(a.grad().to_float_vector(), (std::vector<float>{4, 8}));
}

TEST(Autograd, ParameterWhoseShapeChangedIsNamed) {
  Tensor a = vec({1, 2}).set_requires_grad();
  a.autograd_meta()->name = "encoder.weight";
  ops::sum(a).backward();
  Tensor b = vec({1, 2, 3});
  b.set_autograd_meta(a.autograd_meta());  // the parameter was replaced by a bigger one
  const std::string e = error_of([&] { ops::sum(b).backward(); });
  EXPECT_NE(e.find("encoder.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("change shape"), std::string::npos) << e;
}

}  // namespace
}  // namespace cuddle
