#include "cuddle/optim.h"

namespace cuddle::training {

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& o) : Optimizer(std::move(groups)), options(o) {
  if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0))
    throw Error("SGD: nesterov momentum needs momentum > 0 and dampening 0 (as torch)");
}

void SGD::step() {
  ++steps_;
  const float mu = static_cast<float>(options.momentum), damp = static_cast<float>(options.dampening);
  for (auto& g : groups_) {
    const float lr = static_cast<float>(g.lr), wd = static_cast<float>(g.weight_decay);
    for (auto& p : g.params) {
      const Tensor grad = p.tensor.grad();
      if (!grad.defined()) continue;
      const Tensor gc = grad.contiguous();
      const float* pg = gc.data<float>();
      float* w = p.tensor.data<float>();
      const int64_t n = p.tensor.numel();
      float* buf = nullptr;
      bool first = false;
      if (mu != 0.0f) {
        Tensor& b = buffer(p.name, "momentum_buffer");
        first = !b.defined();
        if (first) b = Tensor::zeros(p.tensor.shape());
        buf = b.data<float>();
      }
      for (int64_t i = 0; i < n; ++i) {
        float d = pg[i];
        if (wd != 0.0f) d += wd * w[i];
        if (buf) {
          // torch: the buffer starts as the first gradient itself (no dampening).
          buf[i] = first ? d : buf[i] * mu + (1.0f - damp) * d;
          d = options.nesterov ? d + mu * buf[i] : buf[i];
        }
        w[i] -= lr * d;
      }
    }
  }
}

}  // namespace cuddle::training
