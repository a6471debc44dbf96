// Losses with torch.nn.functional's semantics (reduction "mean"), each with its backward.
#include <cmath>
#include <limits>

#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "ops/checks.h"

namespace cuddle::ops {

Tensor cross_entropy(const Tensor& logits_in, const Tensor& labels_in, int64_t ignore_index,
                     float label_smoothing) {
  const Tensor logits = detail::float_input(logits_in, "cross_entropy", "logits");
  detail::require_dims(logits, 2, "cross_entropy", "logits");
  const Tensor labels = detail::index_input(labels_in, "cross_entropy", "labels");
  const int64_t N = logits.size(0), C = logits.size(1);
  if (labels.shape() != Shape{N})
    detail::fail("cross_entropy", "labels " + labels.describe() + " must be [" + std::to_string(N) +
                                      "], one class id per row of logits " + logits.describe());
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    detail::fail("cross_entropy", "label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
  const int64_t* y = labels.data<int64_t>();
  const float* x = logits.data<float>();
  int64_t count = 0;
  for (int64_t i = 0; i < N; ++i) {
    if (y[i] == ignore_index) continue;
    if (y[i] < 0 || y[i] >= C)
      detail::fail("cross_entropy", "label " + std::to_string(y[i]) + " at position " + std::to_string(i) +
                                        " is outside the " + std::to_string(C) + " classes (ignore_index is " +
                                        std::to_string(ignore_index) + ")");
    ++count;
  }
  // softmax probabilities of the counted rows, kept for the gradient.
  Tensor probs = Tensor::zeros({N, C});
  float* pp = probs.data<float>();
  const double eps = label_smoothing;
  double total = 0.0;
  for (int64_t i = 0; i < N; ++i) {
    if (y[i] == ignore_index) continue;
    const float* row = x + i * C;
    double mx = row[0];
    for (int64_t c = 1; c < C; ++c) mx = std::max(mx, static_cast<double>(row[c]));
    double z = 0.0, sum_x = 0.0;
    for (int64_t c = 0; c < C; ++c) {
      z += std::exp(row[c] - mx);
      sum_x += row[c];
    }
    const double lse = mx + std::log(z);
    for (int64_t c = 0; c < C; ++c) pp[i * C + c] = static_cast<float>(std::exp(row[c] - lse));
    const double nll = lse - row[y[i]];
    const double smooth = static_cast<double>(C) * lse - sum_x;  // sum over classes of -log p
    total += (1.0 - eps) * nll + eps / static_cast<double>(C) * smooth;
  }
  const float loss = count ? static_cast<float>(total / static_cast<double>(count))
                           : std::numeric_limits<float>::quiet_NaN();
  Tensor out = Tensor::full({}, loss);
  if (autograd::needs_grad(logits_in)) {
    const Tensor ids = labels;
    autograd::record(out, "cross_entropy", {&logits_in}, [probs, ids, count, eps, ignore_index](const Tensor& g) {
      const int64_t N = probs.size(0), C = probs.size(1);
      Tensor d = Tensor::zeros({N, C});
      if (count == 0) return std::vector<Tensor>{d};
      const float* p = probs.data<float>();
      const int64_t* y = ids.data<int64_t>();
      float* pd = d.data<float>();
      const double k = g.data<float>()[0] / static_cast<double>(count);
      for (int64_t i = 0; i < N; ++i) {
        if (y[i] == ignore_index) continue;
        for (int64_t c = 0; c < C; ++c) {
          const double target = (c == y[i] ? 1.0 - eps : 0.0) + eps / static_cast<double>(C);
          pd[i * C + c] = static_cast<float>((p[i * C + c] - target) * k);
        }
      }
      return std::vector<Tensor>{d};
    });
  }
  return out;
}

Tensor mse_loss(const Tensor& input_in, const Tensor& target_in) {
  const Tensor a = detail::float_input(input_in, "mse_loss", "input");
  const Tensor b = detail::float_input(target_in, "mse_loss", "target");
  if (a.numel() != b.numel())
    detail::fail("mse_loss", "input " + a.describe() + " and target " + b.describe() + " differ in size");
  const int64_t n = a.numel();
  Tensor diff = Tensor::empty(a.shape());
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float d = a.data<float>()[i] - b.data<float>()[i];
    diff.data<float>()[i] = d;
    s += static_cast<double>(d) * d;
  }
  Tensor out = Tensor::full({}, static_cast<float>(s / static_cast<double>(n)));
  if (autograd::needs_grad({&input_in, &target_in})) {
    const Shape target_shape = target_in.shape();
    autograd::record(out, "mse_loss", {&input_in, &target_in}, [diff, n, target_shape](const Tensor& g) {
      const Tensor da = scale(diff, 2.0f * g.data<float>()[0] / static_cast<float>(n));
      return std::vector<Tensor>{da, scale(da, -1.0f).reshape(target_shape)};
    });
  }
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits_in, const Tensor& target_in) {
  const Tensor x = detail::float_input(logits_in, "binary_cross_entropy_with_logits", "logits");
  const Tensor t = detail::float_input(target_in, "binary_cross_entropy_with_logits", "target");
  if (x.shape() != t.shape())
    detail::fail("binary_cross_entropy_with_logits",
                 "logits " + x.describe() + " and target " + t.describe() + " differ in shape");
  const int64_t n = x.numel();
  const float* px = x.data<float>();
  const float* pt = t.data<float>();
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = px[i];
    s += std::max(v, 0.0) - v * pt[i] + std::log1p(std::exp(-std::abs(v)));
  }
  Tensor out = Tensor::full({}, static_cast<float>(s / static_cast<double>(n)));
  if (autograd::needs_grad({&logits_in, &target_in})) {
    const Tensor sx = x.detach(), st = t.detach();
    autograd::record(out, "binary_cross_entropy_with_logits", {&logits_in, &target_in}, [sx, st, n](const Tensor& g) {
      const double k = g.data<float>()[0] / static_cast<double>(n);
      Tensor dx = Tensor::empty(sx.shape()), dt = Tensor::empty(sx.shape());
      for (int64_t i = 0; i < n; ++i) {
        const double v = sx.data<float>()[i];
        dx.data<float>()[i] = static_cast<float>((1.0 / (1.0 + std::exp(-v)) - st.data<float>()[i]) * k);
        dt.data<float>()[i] = static_cast<float>(-v * k);
      }
      return std::vector<Tensor>{dx, dt};
    });
  }
  return out;
}

}  // namespace cuddle::ops
