#include "kernels/cpu/grad_kernels.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/multiversion.h"
#include "kernels/cpu/softmax_row.h"
#include "kernels/cpu/vec_math.h"

namespace cuddle::kernels {

void gemm_tn(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
             const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<blasint>(M), static_cast<blasint>(N),
              static_cast<blasint>(K), alpha, A, static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta,
              C, static_cast<blasint>(ldc));
}

namespace {
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double gelu_grad(double x) { return 0.5 * (1.0 + std::erf(x * kInvSqrt2)) + x * kInvSqrt2Pi * std::exp(-0.5 * x * x); }

// act'(x), in double: the derivative's own rounding stays far below the f32 tolerance.
double derivative(Activation act, double x) {
  switch (act) {
    case Activation::Identity: return 1.0;
    case Activation::Gelu: return gelu_grad(x);
    case Activation::Gelu10: {
      // torch.clip passes the gradient where the clipped value lies inside [min, max].
      const double y = 0.5 * x * (1.0 + std::erf(x * kInvSqrt2));
      return y >= -10.0 && y <= 10.0 ? gelu_grad(x) : 0.0;
    }
    case Activation::GeluTanh: {
      const double u = kSqrt2OverPi * (x + 0.044715 * x * x * x);
      const double t = std::tanh(u);
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kSqrt2OverPi * (1.0 + 3.0 * 0.044715 * x * x);
    }
    case Activation::QuickGelu: {
      const double s = sigmoid(1.702 * x);
      return s + x * 1.702 * s * (1.0 - s);
    }
    case Activation::Relu: return x > 0.0 ? 1.0 : 0.0;
    case Activation::Relu2: return x > 0.0 ? 2.0 * x : 0.0;
    case Activation::Relu6: return x > 0.0 && x < 6.0 ? 1.0 : 0.0;  // hardtanh's open interval
    case Activation::LeakyRelu: return x > 0.0 ? 1.0 : 0.01;
    case Activation::Silu: {
      const double s = sigmoid(x);
      return s * (1.0 + x * (1.0 - s));
    }
    case Activation::Mish: {
      const double sp = x > 20.0 ? x : std::log1p(std::exp(x));
      const double t = std::tanh(sp);
      return t + x * sigmoid(x) * (1.0 - t * t);
    }
    case Activation::Sigmoid: {
      const double s = sigmoid(x);
      return s * (1.0 - s);
    }
    case Activation::Tanh: {
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
    case Activation::Laplace: {
      const double mu = 0.707107, sigma = 0.282095;
      const double z = (x - mu) / (sigma * std::sqrt(2.0));
      return std::exp(-z * z) / (sigma * std::sqrt(2.0 * M_PI));
    }
  }
  return 0.0;
}
}  // namespace

namespace {
// GELU, the activation of nearly every encoder, in vectorised float: vmath's erf (5e-7
// absolute) and exp keep the derivative within 1e-6 of the double formula.
CUDDLE_MULTIVERSION
void gelu_backward(const float* x, const float* g, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float cdf = 0.5f * (1.0f + vmath::erf(v * static_cast<float>(kInvSqrt2)));
    const float pdf = static_cast<float>(kInvSqrt2Pi) * vmath::exp(-0.5f * v * v);
    dx[i] = g[i] * (cdf + v * pdf);
  }
}
}  // namespace

void activation_backward(Activation act, const float* x, const float* g, float* dx, int64_t n) {
  if (act == Activation::Gelu) {
    const int64_t chunk = 16384;
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; i += chunk) gelu_backward(x + i, g + i, dx + i, std::min(chunk, n - i));
    return;
  }
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; ++i) dx[i] = static_cast<float>(g[i] * derivative(act, x[i]));
}

void add_column_sums(const float* g, int64_t rows, int64_t n, float* out) {
#pragma omp parallel for schedule(static) if (rows * n > 32768)
  for (int64_t j = 0; j < n; ++j) {
    double s = 0.0;
    for (int64_t r = 0; r < rows; ++r) s += g[r * n + j];
    out[j] += static_cast<float>(s);
  }
}

void layer_norm_backward(const float* x, const float* gamma, const float* g, int64_t rows, int64_t n,
                         float eps, float* dx, float* dgamma, float* dbeta) {
  // Per-row statistics and dx first (parallel over rows); the parameter gradients are
  // column sums of g * xhat and g, taken afterwards so no two threads write one column.
  std::vector<float> mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
#pragma omp parallel for schedule(static) if (rows * n > 16384)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    const float* gr = g + r * n;
    double s = 0.0;
    for (int64_t j = 0; j < n; ++j) s += xr[j];
    const double mu = s / static_cast<double>(n);
    double sq = 0.0;
    for (int64_t j = 0; j < n; ++j) sq += (xr[j] - mu) * (xr[j] - mu);
    const double rs = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
    mean[static_cast<size_t>(r)] = static_cast<float>(mu);
    rstd[static_cast<size_t>(r)] = static_cast<float>(rs);
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = g * gamma.
    double sum_d = 0.0, sum_dx = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      const double d = static_cast<double>(gr[j]) * gamma[j];
      sum_d += d;
      sum_dx += d * (xr[j] - mu) * rs;
    }
    const double md = sum_d / static_cast<double>(n), mdx = sum_dx / static_cast<double>(n);
    float* dr = dx + r * n;
    for (int64_t j = 0; j < n; ++j) {
      const double xhat = (xr[j] - mu) * rs;
      dr[j] = static_cast<float>(rs * (static_cast<double>(gr[j]) * gamma[j] - md - xhat * mdx));
    }
  }
  if (!dgamma && !dbeta) return;
#pragma omp parallel for schedule(static) if (rows * n > 16384)
  for (int64_t j = 0; j < n; ++j) {
    double sg = 0.0, sb = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      const double gv = g[r * n + j];
      sg += gv * (x[r * n + j] - mean[static_cast<size_t>(r)]) * rstd[static_cast<size_t>(r)];
      sb += gv;
    }
    if (dgamma) dgamma[j] += static_cast<float>(sg);
    if (dbeta) dbeta[j] += static_cast<float>(sb);
  }
}

void softmax_backward(const float* y, const float* g, int64_t rows, int64_t n, float* dx) {
#pragma omp parallel for schedule(static) if (rows * n > 16384)
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * n;
    const float* gr = g + r * n;
    double dot = 0.0;
    for (int64_t j = 0; j < n; ++j) dot += static_cast<double>(gr[j]) * yr[j];
    float* dr = dx + r * n;
    for (int64_t j = 0; j < n; ++j) dr[j] = static_cast<float>(yr[j] * (gr[j] - dot));
  }
}

void attention_backward(const float* q, const float* k, const float* v, const float* ctx,
                        const float* dctx, const AttentionShape& shape, float scale,
                        const float* key_bias, bool causal, float* dq, float* dk, float* dv) {
  // Plain copies, not a structured binding: clang 14 cannot name bindings inside OpenMP regions.
  const int64_t B = shape.B, Sq = shape.Sq, Sk = shape.Sk, H = shape.H, D = shape.D;
  const int64_t ldq = shape.ldq, ldkv = shape.ldkv;
  if (B == 0 || Sq == 0) return;
  const int64_t W = H * D;
  const int threads = omp_get_max_threads();
  // Per thread: the probabilities P and their gradient dP, Sq x Sk each.
  std::vector<float> scratch(static_cast<size_t>(threads) * 2 * Sq * Sk);
  const bool worth_threads = B * H * Sq * Sk * D >= (int64_t{1} << 16);
#pragma omp parallel for collapse(2) schedule(static) if (worth_threads)
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      float* p = scratch.data() + static_cast<size_t>(omp_get_thread_num()) * 2 * Sq * Sk;
      float* dp = p + Sq * Sk;
      const float* qb = q + b * Sq * ldq + h * D;
      const float* kb = k + b * Sk * ldkv + h * D;
      const float* vb = v + b * Sk * ldkv + h * D;
      const float* ob = ctx + b * Sq * W + h * D;
      const float* gob = dctx + b * Sq * W + h * D;
      attention_probs(q, k, shape, b, h, scale, key_bias, causal, p);  // P as the forward made it
      // dV = P^T dO.
      gemm_tn(Sk, D, Sq, 1.0f, p, Sk, gob, W, 0.0f, dv + b * Sk * W + h * D, W);
      // dP = dO V^T, then dS = P * (dP - rowdot(dO, O)), scaled by `scale` for Q and K.
      gemm(Sq, Sk, D, 1.0f, gob, W, vb, ldkv, /*b_transposed=*/true, 0.0f, dp, Sk);
      for (int64_t i = 0; i < Sq; ++i) {
        double dot = 0.0;
        for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(gob[i * W + d]) * ob[i * W + d];
        float* dpr = dp + i * Sk;
        const float* pr = p + i * Sk;
        for (int64_t j = 0; j < Sk; ++j) dpr[j] = pr[j] * (dpr[j] - static_cast<float>(dot)) * scale;
      }
      // dQ = dS K, dK = dS^T Q.
      gemm(Sq, D, Sk, 1.0f, dp, Sk, kb, ldkv, /*b_transposed=*/false, 0.0f, dq + b * Sq * W + h * D, W);
      gemm_tn(Sk, D, Sq, 1.0f, dp, Sk, qb, ldq, 0.0f, dk + b * Sk * W + h * D, W);
    }
  }
}

}  // namespace cuddle::kernels
