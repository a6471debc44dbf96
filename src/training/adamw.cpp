#include <cmath>

#include "cuddle/optim.h"

namespace cuddle::training {

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& o) : Optimizer(std::move(groups)), options(o) {}

void AdamW::step() {
  ++steps_;
  const float b1 = static_cast<float>(options.beta1), b2 = static_cast<float>(options.beta2);
  // torch keeps a step count per parameter; all of cuddle's parameters step together.
  const double bc1 = 1.0 - std::pow(options.beta1, static_cast<double>(steps_));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(options.beta2, static_cast<double>(steps_)));
  for (auto& g : groups_) {
    const float step_size = static_cast<float>(g.lr / bc1);
    const float decay = static_cast<float>(1.0 - g.lr * g.weight_decay);
    const float eps = static_cast<float>(options.eps), bc2s = static_cast<float>(bc2_sqrt);
    for (auto& p : g.params) {
      const Tensor grad = p.tensor.grad();
      if (!grad.defined()) continue;
      Tensor& m = buffer(p.name, "exp_avg");
      Tensor& v = buffer(p.name, "exp_avg_sq");
      if (!m.defined()) {
        m = Tensor::zeros(p.tensor.shape());
        v = Tensor::zeros(p.tensor.shape());
      }
      float* w = p.tensor.data<float>();
      const Tensor gc = grad.contiguous();
      const float* pg = gc.data<float>();
      float* pm = m.data<float>();
      float* pv = v.data<float>();
      const int64_t n = p.tensor.numel();
      // torch's single-tensor AdamW, operation by operation in f32.
#pragma omp parallel for simd schedule(static) if (n > 65536)
      for (int64_t i = 0; i < n; ++i) {
        w[i] *= decay;
        pm[i] += (pg[i] - pm[i]) * (1.0f - b1);  // exp_avg.lerp_(grad, 1 - beta1)
        pv[i] = pv[i] * b2 + (1.0f - b2) * pg[i] * pg[i];
        const float denom = std::sqrt(pv[i]) / bc2s + eps;
        w[i] -= step_size * (pm[i] / denom);
      }
    }
  }
}

}  // namespace cuddle::training
