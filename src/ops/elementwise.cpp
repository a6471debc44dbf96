#include <algorithm>

#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

Tensor add(const Tensor& a_in, const Tensor& b_in) {
  Tensor a = detail::float_input(a_in, "add", "a");
  Tensor b = detail::float_input(b_in, "add", "b");
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (bs.size() > as.size() || !std::equal(bs.begin(), bs.end(), as.end() - bs.size()))
    detail::fail("add", "b " + b.describe() + " must have the shape of a " + a.describe() +
                            " or a suffix of it");
  Tensor c = Tensor::empty(as);
  const int64_t n = b.numel(), reps = n ? a.numel() / n : 0;
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* pc = c.data<float>();
  for (int64_t r = 0; r < reps; ++r)
    for (int64_t j = 0; j < n; ++j) pc[r * n + j] = pa[r * n + j] + pb[j];
  if (autograd::needs_grad({&a_in, &b_in})) grad::record_add(c, a_in, b_in);
  return c;
}

Tensor activation(const Tensor& x_in, Activation act) {
  Tensor y = detail::float_input(x_in, "activation", "input");
  // float_input may hand back the caller's own storage; activations work in place.
  if (y.storage() == x_in.storage()) y = y.clone();
  if (autograd::needs_grad(x_in)) {
    const Tensor x = detail::float_input(x_in, "activation", "input");
    kernels::activation(act, y.data<float>(), y.numel());
    grad::record_activation(y, x_in, x, act);
    return y;
  }
  kernels::activation(act, y.data<float>(), y.numel());
  return y;
}

}  // namespace cuddle::ops
