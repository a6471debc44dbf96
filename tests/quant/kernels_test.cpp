// The quantized GEMM kernels on every instruction set this CPU runs (AVX-512 VNNI, AVX2,
// portable) against plain reference loops, the quantized Linear layers against
// bitsandbytes' formulas (LLM.int8's outlier decomposition included), and autograd through
// them (QLoRA): the frozen quantized weight passes the gradient to its input (and a
// trainable bias) as bitsandbytes' backward does, dx = g W with W dequantized, and records
// nothing when no input needs a gradient.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/autograd.h"
#include "cuddle/dtype.h"
#include "cuddle/nn.h"
#include "cuddle/ops.h"
#include "cuddle/quant.h"
#include "kernels/cpu/quant_gemm.h"

using namespace cuddle;
using namespace cuddle::quant;
using kernels::QuantIsa;

namespace {
std::vector<float> noise(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = (float(seed >> 8) / float(1 << 24) - 0.5f) * 2.0f * scale;
  }
  return v;
}
const QuantIsa kIsas[] = {QuantIsa::Avx512Vnni, QuantIsa::Avx2, QuantIsa::Generic};
}  // namespace

TEST(QuantKernels, Int8GemmIsExactOnEveryIsa) {
  // Odd sizes: partial 4x4 tiles and a K tail that is not a multiple of 32 or 64.
  for (const auto [m, n, k] : {std::array<int64_t, 3>{5, 7, 70}, {17, 33, 256}, {1, 3, 3}}) {
    std::vector<int8_t> a(m * k), w(n * k);
    const auto ra = noise(m * k, 1, 127.0f), rw = noise(n * k, 2, 127.0f);
    for (size_t i = 0; i < a.size(); ++i) a[i] = int8_t(std::lround(ra[i]));
    for (size_t i = 0; i < w.size(); ++i) w[i] = int8_t(std::lround(rw[i]));
    const auto sa = noise(m, 3, 4.0f), sw = noise(n, 4, 0.5f), bias = noise(n, 5, 1.0f);
    std::vector<int32_t> sums(n);
    kernels::int8_row_sums(w.data(), n, k, sums.data());
    std::vector<float> want(m * n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int32_t dot = 0;
        for (int64_t p = 0; p < k; ++p) dot += int32_t(a[i * k + p]) * int32_t(w[j * k + p]);
        want[i * n + j] = float(dot) * (sa[i] * sw[j]) * 6.200124e-05f + bias[j];
      }
    for (QuantIsa isa : kIsas) {
      std::vector<float> got(m * n);
      kernels::int8_gemm(m, n, k, a.data(), sa.data(), w.data(), sums.data(), sw.data(), bias.data(), got.data(), isa);
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i], want[i]) << kernels::quant_isa_name(isa) << " m=" << m << " n=" << n << " k=" << k << " at " << i;
    }
  }
}

TEST(QuantKernels, FourBitGemmMatchesDequantizedProductOnEveryIsa) {
  // m >= 16 runs the decoded-panel path (100 rows: two full 48-row panels and a partial one).
  for (const auto [m, n, k] : {std::array<int64_t, 3>{5, 7, 128}, {9, 13, 192}, {3, 5, 40}, {40, 100, 128}}) {
    const auto wv = noise(n * k, 7, 0.1f), a = noise(m * k, 8, 1.0f), bias = noise(n, 9, 1.0f);
    for (FourBitType type : {FourBitType::NF4, FourBitType::FP4}) {
      const FourBitWeight q = quantize_4bit(Tensor::from_vector(wv, {n, k}), type, true);
      const auto dq = dequantize_4bit(q).to_float_vector();
      const auto absmax = block_absmax(q);
      std::vector<double> want(m * n);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double s = bias[j];
          for (int64_t p = 0; p < k; ++p) s += double(a[i * k + p]) * dq[j * k + p];
          want[i * n + j] = s;
        }
      for (QuantIsa isa : kIsas) {
        std::vector<float> got(m * n);
        kernels::fourbit_gemm(m, n, k, a.data(), q.packed.data<uint8_t>(), four_bit_code(type).data(), absmax.data(),
                              q.blocksize, bias.data(), got.data(), isa);
        for (size_t i = 0; i < got.size(); ++i)
          ASSERT_NEAR(got[i], want[i], 1e-5) << kernels::quant_isa_name(isa) << " k=" << k << " at " << i;
      }
    }
  }
}

TEST(QuantLinear, Int8ForwardIsLlmInt8WithOutlierColumns) {
  const int64_t M = 6, K = 96, N = 10;
  auto x = noise(M * K, 11, 2.0f);
  x[2 * K + 5] = 9.0f;   // column 5 holds an outlier (|x| >= 6): it runs in f32 for every row
  x[4 * K + 40] = -7.5f;  // and column 40
  const auto wv = noise(N * K, 12, 0.2f), bias = noise(N, 13, 0.1f);
  const Int8Weight w = quantize_int8(Tensor::from_vector(wv, {N, K}));
  const auto layer = make_quantized_linear(w, 6.0f);
  const auto got = layer->forward(Tensor::from_vector(x, {2, 3, K}), Tensor::from_vector(bias, {N}), Activation::Identity);
  ASSERT_EQ(got.shape(), (Shape{2, 3, N}));
  // bitsandbytes' formula, written out: f16 activations, outlier columns zeroed before
  // the row absmax, int8 product dequantized with SCA * SCB / 127^2, outliers added in f32.
  const auto cb = w.CB.to_int_vector();
  const auto scb = w.SCB.to_float_vector();
  const auto g = got.to_float_vector();
  for (int64_t i = 0; i < M; ++i) {
    std::vector<float> a16(K);
    float absmax = 0.0f;
    for (int64_t c = 0; c < K; ++c) {
      a16[c] = (c == 5 || c == 40) ? 0.0f : f16_to_f32(f32_to_f16(x[i * K + c]));
      absmax = std::max(absmax, std::fabs(a16[c]));
    }
    for (int64_t j = 0; j < N; ++j) {
      int32_t dot = 0;
      for (int64_t c = 0; c < K; ++c) dot += int32_t(std::nearbyint(a16[c] * (127.0f / absmax))) * int32_t(cb[j * K + c]);
      float want = float(dot) * (absmax * scb[j]) * 6.200124e-05f + bias[j];
      for (int64_t c : {5, 40}) want += x[i * K + c] * ((float(cb[j * K + c]) * scb[j]) * 7.874015718698502e-3f);
      EXPECT_NEAR(g[i * N + j], want, 1e-5f) << i << "," << j;
    }
  }
}

TEST(QuantLinear, FourBitForwardMatchesDequantizedLinear) {
  const int64_t M = 5, K = 128, N = 12;
  const auto x = noise(M * K, 21, 1.0f), wv = noise(N * K, 22, 0.1f);
  const FourBitWeight q = quantize_4bit(Tensor::from_vector(wv, {N, K}), FourBitType::NF4, true);
  const auto layer = make_quantized_linear(q);
  const Tensor xt = Tensor::from_vector(x, {M, K});
  const auto got = layer->forward(xt, Tensor(), Activation::Relu).to_float_vector();
  const auto want = ops::relu(ops::linear(xt, dequantize_4bit(q))).to_float_vector();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << i;
}

namespace {

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
