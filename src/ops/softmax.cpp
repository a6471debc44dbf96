#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

Tensor softmax(const Tensor& x_in, int64_t dim) {
  Tensor x = detail::float_input(x_in, "softmax", "input");
  if (x.dim() < 1) detail::fail("softmax", "input must have at least 1 dimension");
  const int64_t nd = x.dim();
  if (dim < -nd || dim >= nd)
    detail::fail("softmax", "dim " + std::to_string(dim) + " out of range for " + x.describe());
  if (dim < 0) dim += nd;
  // The kernel works on contiguous rows: move `dim` last, normalise, move it back.
  const bool last = dim == nd - 1;
  Tensor y = last ? x.clone() : x.transpose(dim, nd - 1).contiguous();
  const int64_t n = y.size(-1);
  kernels::softmax(y.data<float>(), n ? y.numel() / n : 0, n);
  if (!last) y = y.transpose(dim, nd - 1).contiguous();
  if (autograd::needs_grad(x_in)) grad::record_softmax(y, x_in, dim);
  return y;
}

}  // namespace cuddle::ops
