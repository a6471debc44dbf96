#include "cuddle/autograd.h"
#include "kernels/cpu/grad_kernels.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_add(Tensor& c, const Tensor& a_in, const Tensor& b_in) {
  const Shape b_shape = b_in.shape();
  const bool b_broadcast = b_shape != a_in.shape();
  const bool needs_b = b_in.requires_grad();
  autograd::record(c, "add", {&a_in, &b_in}, [=](const Tensor& g) {
    Tensor db;
    if (needs_b && !b_broadcast) db = g;
    if (needs_b && b_broadcast) {
      // b was repeated over the leading dimensions: its gradient sums them.
      const int64_t n = shape_numel(b_shape), reps = n ? g.numel() / n : 0;
      db = Tensor::zeros(b_shape);
      kernels::add_column_sums(g.data<float>(), reps, n, db.data<float>());
    }
    return std::vector<Tensor>{g, db};
  });
}

void record_activation(Tensor& y, const Tensor& x_in, const Tensor& x, Activation act) {
  const Tensor saved = x.detach();
  autograd::record(y, "activation", {&x_in}, [saved, act](const Tensor& g) {
    Tensor dx = Tensor::empty(g.shape());
    kernels::activation_backward(act, saved.data<float>(), g.data<float>(), dx.data<float>(), g.numel());
    return std::vector<Tensor>{dx};
  });
}

}  // namespace cuddle::ops::grad
