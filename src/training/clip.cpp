#include <cmath>

#include "cuddle/optim.h"

namespace cuddle::training {

namespace {
double norm_of(const Tensor& g) {
  const Tensor c = g.contiguous();
  const float* p = c.data<float>();
  const int64_t n = c.numel();
  double s = 0.0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(p[i]) * p[i];
  return std::sqrt(s);
}
}  // namespace

double clip_grad_norm(const std::vector<Parameter>& params, double max_norm) {
  // torch: the norm of the per-tensor norms.
  double sq = 0.0;
  for (const auto& p : params) {
    const Tensor g = p.tensor.grad();
    if (!g.defined()) continue;
    const double n = norm_of(g);
    sq += n * n;
  }
  const double total = std::sqrt(sq);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0) {
    const float c = static_cast<float>(coef);
    for (const auto& p : params) {
      Tensor g = p.tensor.grad();
      if (!g.defined()) continue;
      float* pg = g.data<float>();
      const int64_t n = g.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
      for (int64_t i = 0; i < n; ++i) pg[i] *= c;
    }
  }
  return total;
}

void check_gradients_finite(const std::vector<Parameter>& params, int64_t step) {
  for (const auto& p : params) {
    const Tensor g = p.tensor.grad();
    if (!g.defined()) continue;
    const Tensor c = g.contiguous();
    const float* pg = c.data<float>();
    const int64_t count = c.numel();
    for (int64_t i = 0; i < count; ++i)
      if (!std::isfinite(pg[i]))
        throw Error("step " + std::to_string(step) + ": the gradient of " + p.name + " contains " +
                    (std::isnan(pg[i]) ? "NaN" : "inf") + " (element " + std::to_string(i) + ")");
  }
}

}  // namespace cuddle::training
