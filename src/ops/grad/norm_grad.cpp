#include "cuddle/autograd.h"
#include "kernels/cpu/grad_kernels.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_layer_norm(Tensor& y, const Tensor& x_in, const Tensor* residual_in, const Tensor& weight_in,
                       const Tensor& bias_in, const Tensor& x, const Tensor& residual, const Tensor& weight,
                       float eps) {
  // The rule needs the normalised input: x itself, or x + residual (materialised once here,
  // the forward kernel summed it on the fly).
  Tensor sum = x.detach();
  if (residual.defined()) {
    sum = Tensor::empty(x.shape());
    const float* a = x.data<float>();
    const float* b = residual.data<float>();
    float* s = sum.data<float>();
    const int64_t count = sum.numel();
    for (int64_t i = 0; i < count; ++i) s[i] = a[i] + b[i];
  }
  const Tensor gamma = weight.detach();
  const bool fused = residual_in != nullptr;
  const bool need_w = weight_in.requires_grad(), need_b = bias_in.requires_grad();
  std::vector<const Tensor*> inputs{&x_in};
  if (fused) inputs.push_back(residual_in);
  inputs.push_back(&weight_in);
  inputs.push_back(&bias_in);
  autograd::record(y, fused ? "add_layer_norm" : "layer_norm", inputs, [=](const Tensor& g) {
    const int64_t n = g.size(-1), rows = n ? g.numel() / n : 0;
    Tensor dx = Tensor::empty(g.shape());
    Tensor dw = need_w ? Tensor::zeros({n}) : Tensor();
    Tensor db = need_b ? Tensor::zeros({n}) : Tensor();
    kernels::layer_norm_backward(sum.data<float>(), gamma.data<float>(), g.data<float>(), rows, n, eps,
                                 dx.data<float>(), need_w ? dw.data<float>() : nullptr,
                                 need_b ? db.data<float>() : nullptr);
    if (fused) return std::vector<Tensor>{dx, dx, dw, db};
    return std::vector<Tensor>{dx, dw, db};
  });
}

void record_softmax(Tensor& y, const Tensor& x_in, int64_t dim) {
  const Tensor saved = y.detach();
  autograd::record(y, "softmax", {&x_in}, [saved, dim](const Tensor& g) {
    const int64_t nd = saved.dim();
    const bool last = dim == nd - 1;
    // The kernel works on contiguous rows: move `dim` last as the forward did.
    const Tensor yl = last ? saved : saved.transpose(dim, nd - 1).contiguous();
    const Tensor gl = last ? g : g.transpose(dim, nd - 1).contiguous();
    Tensor dx = Tensor::empty(yl.shape());
    const int64_t n = yl.size(-1);
    kernels::softmax_backward(yl.data<float>(), gl.data<float>(), n ? yl.numel() / n : 0, n, dx.data<float>());
    return std::vector<Tensor>{last ? dx : dx.transpose(dim, nd - 1).contiguous()};
  });
}

}  // namespace cuddle::ops::grad
