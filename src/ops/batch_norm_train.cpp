// Training-mode batch norm: batch statistics, running statistics updated, with its backward.
#include <cmath>
#include <vector>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "ops/checks.h"

namespace cuddle::ops {

namespace {
void check_running(const Tensor& t, int64_t C, const char* arg) {
  if (!t.defined()) return;
  if (t.dtype() != DType::F32 || !t.is_contiguous() || t.shape() != Shape{C} || t.storage()->read_only())
    detail::fail("batch_norm_train", std::string(arg) + " " + t.describe() +
                                         " must be a writable contiguous F32[" + std::to_string(C) +
                                         "] (make the model trainable first)");
}
}  // namespace

Tensor batch_norm_train(const Tensor& x_in, Tensor running_mean, Tensor running_var, const Tensor& weight_in,
                        const Tensor& bias_in, float momentum, float eps) {
  const Tensor x = detail::float_input(x_in, "batch_norm_train", "input");
  if (x.dim() < 2) detail::fail("batch_norm_train", "input " + x.describe() + " needs a channel dimension");
  const int64_t B = x.size(0), C = x.size(1), plane = x.numel() / std::max<int64_t>(B * C, 1);
  const int64_t n = B * plane;
  if (n < 2) detail::fail("batch_norm_train", "input " + x.describe() + " has one value per channel (torch refuses it too)");
  const Tensor w = weight_in.defined() ? detail::float_input(weight_in, "batch_norm_train", "weight") : Tensor();
  const Tensor b = bias_in.defined() ? detail::float_input(bias_in, "batch_norm_train", "bias") : Tensor();
  for (const Tensor* t : {&w, &b})
    if (t->defined() && t->shape() != Shape{C})
      detail::fail("batch_norm_train", "weight / bias " + t->describe() + " must be [" + std::to_string(C) + "]");
  check_running(running_mean, C, "running_mean");
  check_running(running_var, C, "running_var");

  const float* px = x.data<float>();
  Tensor mean = Tensor::empty({C}), rstd = Tensor::empty({C});
  Tensor y = Tensor::empty(x.shape());
  float* py = y.data<float>();
#pragma omp parallel for schedule(static) if (x.numel() > 65536)
  for (int64_t c = 0; c < C; ++c) {
    double s = 0.0;
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t i = 0; i < plane; ++i) s += px[(bi * C + c) * plane + i];
    const double mu = s / static_cast<double>(n);
    double sq = 0.0;
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t i = 0; i < plane; ++i) {
        const double d = px[(bi * C + c) * plane + i] - mu;
        sq += d * d;
      }
    const double var = sq / static_cast<double>(n);
    const double rs = 1.0 / std::sqrt(var + eps);
    mean.data<float>()[c] = static_cast<float>(mu);
    rstd.data<float>()[c] = static_cast<float>(rs);
    const float scale = static_cast<float>(rs) * (w.defined() ? w.data<float>()[c] : 1.0f);
    const float shift = (b.defined() ? b.data<float>()[c] : 0.0f) - static_cast<float>(mu) * scale;
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t i = 0; i < plane; ++i) py[(bi * C + c) * plane + i] = px[(bi * C + c) * plane + i] * scale + shift;
    if (running_mean.defined())
      running_mean.data<float>()[c] = (1.0f - momentum) * running_mean.data<float>()[c] + momentum * static_cast<float>(mu);
    if (running_var.defined())
      running_var.data<float>()[c] = (1.0f - momentum) * running_var.data<float>()[c] +
                                     momentum * static_cast<float>(var * static_cast<double>(n) / static_cast<double>(n - 1));
  }

  if (autograd::needs_grad({&x_in, &weight_in, &bias_in})) {
    const Tensor sx = x.detach(), sw = w.detach();
    const bool nx = x_in.requires_grad(), nw = weight_in.defined() && weight_in.requires_grad(),
               nb = bias_in.defined() && bias_in.requires_grad();
    autograd::record(y, "batch_norm_train", {&x_in, &weight_in, &bias_in},
                     [=](const Tensor& g) {
                       const float* pg = g.data<float>();
                       const float* xs = sx.data<float>();
                       Tensor dx = nx ? Tensor::empty(sx.shape()) : Tensor();
                       Tensor dw = nw ? Tensor::empty({C}) : Tensor(), db = nb ? Tensor::empty({C}) : Tensor();
                       for (int64_t c = 0; c < C; ++c) {
                         const double mu = mean.data<float>()[c], rs = rstd.data<float>()[c];
                         double sum_g = 0.0, sum_gx = 0.0;
                         for (int64_t bi = 0; bi < B; ++bi)
                           for (int64_t i = 0; i < plane; ++i) {
                             const int64_t k = (bi * C + c) * plane + i;
                             sum_g += pg[k];
                             sum_gx += pg[k] * (xs[k] - mu) * rs;
                           }
                         if (nw) dw.data<float>()[c] = static_cast<float>(sum_gx);
                         if (nb) db.data<float>()[c] = static_cast<float>(sum_g);
                         if (!nx) continue;
                         const double gamma = sw.defined() ? sw.data<float>()[c] : 1.0;
                         const double k1 = gamma * rs / static_cast<double>(n);
                         for (int64_t bi = 0; bi < B; ++bi)
                           for (int64_t i = 0; i < plane; ++i) {
                             const int64_t k = (bi * C + c) * plane + i;
                             const double xhat = (xs[k] - mu) * rs;
                             dx.data<float>()[k] =
                                 static_cast<float>(k1 * (static_cast<double>(n) * pg[k] - sum_g - xhat * sum_gx));
                           }
                       }
                       return std::vector<Tensor>{dx, dw, db};
                     });
  }
  return y;
}

}  // namespace cuddle::ops
