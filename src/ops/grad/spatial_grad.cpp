#include "cuddle/autograd.h"
#include "kernels/cpu/spatial_grad.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_conv2d(Tensor& y, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const Tensor& x,
                   const Tensor& w, const kernels::Window2d& s, int64_t groups) {
  const bool nx = x_in.requires_grad(), nw = w_in.requires_grad(), nb = b_in.defined() && b_in.requires_grad();
  const Tensor sx = nw ? x.detach() : Tensor(), sw = w.detach();
  const Shape x_shape = x_in.shape(), w_shape = w_in.shape();
  const bool has_bias = b_in.defined();
  std::vector<const Tensor*> inputs{&x_in, &w_in};
  if (has_bias) inputs.push_back(&b_in);
  autograd::record(y, "conv2d", inputs, [=](const Tensor& g) {
    Tensor dx = nx ? Tensor::empty(x_shape) : Tensor();
    Tensor dw = nw ? Tensor::zeros(w_shape) : Tensor();
    Tensor db = nb ? Tensor::zeros({w_shape[0]}) : Tensor();
    if (nx || nw || nb)
      kernels::conv2d_backward(nw ? sx.data<float>() : nullptr, s, sw.data<float>(), w_shape[0], groups,
                               g.data<float>(), nx ? dx.data<float>() : nullptr, nw ? dw.data<float>() : nullptr,
                               nb ? db.data<float>() : nullptr);
    std::vector<Tensor> out{dx, dw};
    if (has_bias) out.push_back(db);
    return out;
  });
}

void record_max_pool2d(Tensor& y, const Tensor& x_in, const Tensor& x, const kernels::Window2d& s) {
  const Tensor sx = x.detach();
  autograd::record(y, "max_pool2d", {&x_in}, [sx, s](const Tensor& g) {
    Tensor dx = Tensor::empty(sx.shape());
    kernels::max_pool2d_backward(sx.data<float>(), s, g.data<float>(), dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

void record_adaptive_avg_pool2d(Tensor& y, const Tensor& x_in) {
  const Shape xs = x_in.shape();
  autograd::record(y, "adaptive_avg_pool2d", {&x_in}, [xs](const Tensor& g) {
    Tensor dx = Tensor::empty(xs);
    kernels::adaptive_avg_pool2d_backward(g.data<float>(), xs[0], xs[1], xs[2], xs[3], g.size(2), g.size(3),
                                          dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

void record_patchify(Tensor& out, const Tensor& x_in, int64_t p) {
  const Shape xs = x_in.shape();
  autograd::record(out, "patchify", {&x_in}, [xs, p](const Tensor& g) {
    const int64_t B = xs[0], C = xs[1], H = xs[2], W = xs[3], nh = H / p, nw = W / p, width = C * p * p;
    Tensor dx = Tensor::zeros(xs);
    const float* src = g.data<float>();
    float* dst = dx.data<float>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t ph = 0; ph < nh; ++ph)
        for (int64_t pw = 0; pw < nw; ++pw) {
          const float* row = src + ((b * nh + ph) * nw + pw) * width;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < p; ++i) {
              float* line = dst + ((b * C + c) * H + ph * p + i) * W + pw * p;
              for (int64_t j = 0; j < p; ++j) line[j] = *row++;
            }
        }
    return std::vector<Tensor>{dx};
  });
}

}  // namespace cuddle::ops::grad
