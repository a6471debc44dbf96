#include "kernels/reference.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace cuddle::test {

std::vector<float> random_vector(std::mt19937& rng, int64_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return a.size() == b.size() ? m : INFINITY;
}

double ref_activation(Activation act, double x) {
  auto gelu = [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); };
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  switch (act) {
    case Activation::Identity: return x;
    case Activation::Gelu: return gelu(x);
    case Activation::Gelu10: return std::clamp(gelu(x), -10.0, 10.0);
    case Activation::GeluTanh:
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case Activation::QuickGelu: return x * sigmoid(1.702 * x);
    case Activation::Relu: return std::max(x, 0.0);
    case Activation::Relu2: return x > 0 ? x * x : 0.0;
    case Activation::Relu6: return std::clamp(x, 0.0, 6.0);
    case Activation::LeakyRelu: return x > 0 ? x : 0.01 * x;
    case Activation::Silu: return x * sigmoid(x);
    case Activation::Mish: return x * std::tanh(std::log1p(std::exp(x)));
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::Tanh: return std::tanh(x);
    case Activation::Laplace: return 0.5 * (1.0 + std::erf((x - 0.707107) / (0.282095 * std::sqrt(2.0))));
  }
  return NAN;
}

std::vector<float> ref_linear(const std::vector<float>& x, int64_t M, int64_t K,
                              const std::vector<float>& W, const std::vector<float>* bias,
                              int64_t N, Activation act) {
  std::vector<float> y(static_cast<size_t>(M * N));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = bias ? (*bias)[j] : 0.0;
      for (int64_t p = 0; p < K; ++p) s += double(x[i * K + p]) * W[j * K + p];
      y[i * N + j] = static_cast<float>(ref_activation(act, s));
    }
  return y;
}

std::vector<float> ref_layer_norm(const std::vector<float>& x, const std::vector<float>* residual,
                                  const std::vector<float>& gamma, const std::vector<float>& beta,
                                  int64_t rows, int64_t n, float eps) {
  std::vector<float> out(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> v(static_cast<size_t>(n));
    double mean = 0, var = 0;
    for (int64_t j = 0; j < n; ++j) {
      v[j] = double(x[r * n + j]) + (residual ? (*residual)[r * n + j] : 0.0f);
      mean += v[j];
    }
    mean /= n;
    for (int64_t j = 0; j < n; ++j) var += (v[j] - mean) * (v[j] - mean);
    var /= n;
    for (int64_t j = 0; j < n; ++j)
      out[r * n + j] = static_cast<float>((v[j] - mean) / std::sqrt(var + eps) * gamma[j] + beta[j]);
  }
  return out;
}

std::vector<float> ref_softmax(const std::vector<float>& x, int64_t rows, int64_t n) {
  std::vector<float> out(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, sum = 0;
    for (int64_t j = 0; j < n; ++j) mx = std::max(mx, double(x[r * n + j]));
    for (int64_t j = 0; j < n; ++j) sum += std::exp(double(x[r * n + j]) - mx);
    for (int64_t j = 0; j < n; ++j) out[r * n + j] = static_cast<float>(std::exp(double(x[r * n + j]) - mx) / sum);
  }
  return out;
}

std::vector<float> ref_attention(const std::vector<float>& q, const std::vector<float>& k,
                                 const std::vector<float>& v, int64_t ldq, int64_t ldkv,
                                 int64_t B, int64_t Sq, int64_t Sk, int64_t H, int64_t D,
                                 float scale, const std::vector<float>& key_bias, bool causal) {
  std::vector<float> ctx(static_cast<size_t>(B * Sq * H * D));
  std::vector<float> row(static_cast<size_t>(Sk));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Sq; ++i) {
        for (int64_t j = 0; j < Sk; ++j) {
          double s = 0;
          for (int64_t d = 0; d < D; ++d)
            s += double(q[(b * Sq + i) * ldq + h * D + d]) * k[(b * Sk + j) * ldkv + h * D + d];
          row[j] = static_cast<float>(s * scale) + (key_bias.empty() ? 0.0f : key_bias[b * Sk + j]);
          if (causal && j > i) row[j] = -FLT_MAX;  // transformers' causal mask
        }
        auto p = ref_softmax(row, 1, Sk);
        for (int64_t d = 0; d < D; ++d) {
          double s = 0;
          for (int64_t j = 0; j < Sk; ++j) s += double(p[j]) * v[(b * Sk + j) * ldkv + h * D + d];
          ctx[(b * Sq + i) * H * D + h * D + d] = static_cast<float>(s);
        }
      }
  return ctx;
}

}  // namespace cuddle::test
