// Elementwise products and whole-tensor reductions: the glue of hand-written losses.
#include "cuddle/autograd.h"
#include "cuddle/ops.h"
#include "ops/checks.h"

namespace cuddle::ops {

Tensor mul(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = detail::float_input(a_in, "mul", "a");
  const Tensor b = detail::float_input(b_in, "mul", "b");
  if (a.shape() != b.shape()) detail::fail("mul", "a " + a.describe() + " and b " + b.describe() + " differ in shape");
  Tensor c = Tensor::empty(a.shape());
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* pc = c.data<float>();
  const int64_t count = c.numel();
  for (int64_t i = 0; i < count; ++i) pc[i] = pa[i] * pb[i];
  if (autograd::needs_grad({&a_in, &b_in})) {
    const bool na = a_in.requires_grad(), nb = b_in.requires_grad();
    const Tensor sa = nb ? a.detach() : Tensor(), sb = na ? b.detach() : Tensor();
    autograd::record(c, "mul", {&a_in, &b_in}, [sa, sb, na, nb](const Tensor& g) {
      std::vector<Tensor> out(2);
      if (na) out[0] = mul(g, sb);
      if (nb) out[1] = mul(g, sa);
      return out;
    });
  }
  return c;
}

Tensor scale(const Tensor& x_in, float s) {
  const Tensor x = detail::float_input(x_in, "scale", "input");
  Tensor y = Tensor::empty(x.shape());
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const int64_t count = y.numel();
  for (int64_t i = 0; i < count; ++i) py[i] = px[i] * s;
  if (autograd::needs_grad(x_in))
    autograd::record(y, "scale", {&x_in}, [s](const Tensor& g) { return std::vector<Tensor>{scale(g, s)}; });
  return y;
}

namespace {
// Sum in double: a loss summed over a batch keeps its digits.
double sum_of(const Tensor& x) {
  double s = 0.0;
  const float* p = x.data<float>();
  const int64_t count = x.numel();
  for (int64_t i = 0; i < count; ++i) s += p[i];
  return s;
}

Tensor reduce(const Tensor& x_in, const char* op, bool average) {
  const Tensor x = detail::float_input(x_in, op, "input");
  const int64_t n = x.numel();
  const double s = sum_of(x);
  Tensor y = Tensor::full({}, static_cast<float>(average ? s / static_cast<double>(n) : s));
  if (autograd::needs_grad(x_in)) {
    const Shape shape = x.shape();
    const float factor = average ? 1.0f / static_cast<float>(n) : 1.0f;
    autograd::record(y, op, {&x_in}, [shape, factor](const Tensor& g) {
      return std::vector<Tensor>{Tensor::full(shape, g.data<float>()[0] * factor)};
    });
  }
  return y;
}
}  // namespace

Tensor sum(const Tensor& x) { return reduce(x, "sum", false); }
Tensor mean(const Tensor& x) { return reduce(x, "mean", true); }

}  // namespace cuddle::ops
