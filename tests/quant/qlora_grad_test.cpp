// Autograd through a quantized Linear (QLoRA): the frozen quantized weight passes the
// gradient to its input (and a trainable bias) as bitsandbytes' backward does, dx = g W
// with W dequantized, and records nothing when no input needs a gradient.
#include <gtest/gtest.h>

#include "cuddle/autograd.h"
#include "cuddle/nn.h"
#include "cuddle/ops.h"
#include "cuddle/quant.h"

using namespace cuddle;
using namespace cuddle::quant;

namespace {

std::vector<float> noise(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = (float(seed >> 8) / float(1 << 24) - 0.5f) * 2.0f * scale;
  }
  return v;
}

Tensor leaf(const std::vector<float>& v, const Shape& shape) {
  Tensor t = Tensor::from_vector(v, shape);
  t.set_requires_grad(true);
  return t;
}

struct Grads {
  std::vector<float> dx, db;
};

// d/dx and d/db of sum(act(x W^T + b) * c), through `forward`.
template <class F>
Grads grads_of(F forward, const std::vector<float>& x, const std::vector<float>& b, const std::vector<float>& c,
               const Shape& x_shape, int64_t N) {
  Tensor xt = leaf(x, x_shape), bt = leaf(b, {N});
  Shape y_shape = x_shape;
  y_shape.back() = N;
  const Tensor y = forward(xt, bt);
  ops::sum(ops::mul(y, Tensor::from_vector(c, y_shape))).backward();
  return {xt.grad().to_float_vector(), bt.grad().to_float_vector()};
}

void check_against_dequantized(std::shared_ptr<const nn::QuantizedLinear> q, Activation act, float tol) {
  const int64_t K = 128, N = 12;
  const Shape x_shape{2, 3, K};
  const auto x = noise(6 * K, 31, 1.0f), b = noise(N, 32, 0.1f), c = noise(6 * N, 33, 1.0f);
  nn::Linear lin(K, N, true);
  lin.quantized = q;
  const Tensor w = q->dequantized_weight();
  const Grads got = grads_of([&](const Tensor& xt, const Tensor& bt) {
    lin.bias = bt;
    return lin.forward(xt, act);
  }, x, b, c, x_shape, N);
  const Grads want = grads_of([&](const Tensor& xt, const Tensor& bt) { return ops::linear(xt, w, bt, act); }, x, b,
                              c, x_shape, N);
  ASSERT_EQ(got.dx.size(), want.dx.size());
  for (size_t i = 0; i < got.dx.size(); ++i) EXPECT_NEAR(got.dx[i], want.dx[i], tol) << i;
  for (size_t i = 0; i < got.db.size(); ++i) EXPECT_NEAR(got.db[i], want.db[i], tol) << i;
}

}  // namespace

TEST(QuantLinearGrad, FourBitInputAndBiasGradientsAreThoseOfTheDequantizedWeight) {
  const auto wv = noise(12 * 128, 34, 0.1f);
  for (const auto type : {FourBitType::NF4, FourBitType::FP4}) {
    const auto q = make_quantized_linear(quantize_4bit(Tensor::from_vector(wv, {12, 128}), type, true));
    // GELU after the product: its derivative reads the forward, which the 4-bit kernel
    // computes from the same dequantized values.
    check_against_dequantized(q, Activation::Gelu, 1e-5f);
  }
}

TEST(QuantLinearGrad, Int8InputGradientIsThatOfTheDequantizedWeight) {
  // LLM.int8's forward quantizes the activations too, so only the linear part compares:
  // its backward is exact, dx = g (CB * SCB / 127).
  const auto wv = noise(12 * 128, 35, 0.1f);
  const auto q = make_quantized_linear(quantize_int8(Tensor::from_vector(wv, {12, 128})), 6.0f);
  check_against_dequantized(q, Activation::Identity, 1e-5f);
}

TEST(QuantLinearGrad, NothingRecordedWithoutGradients) {
  const auto q = make_quantized_linear(quantize_4bit(Tensor::from_vector(noise(12 * 128, 36, 0.1f), {12, 128}),
                                                     FourBitType::NF4, false));
  nn::Linear lin(128, 12, false);
  lin.quantized = q;
  const Tensor y = lin.forward(Tensor::from_vector(noise(128, 37, 1.0f), {1, 128}));
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.autograd_meta(), nullptr);
}
