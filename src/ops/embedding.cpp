#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

Tensor embedding(const Tensor& weight_in, const Tensor& ids_in) {
  Tensor w = detail::float_input(weight_in, "embedding", "weight");
  detail::require_dims(w, 2, "embedding", "weight");
  Tensor ids = detail::index_input(ids_in, "embedding", "ids");
  const int64_t V = w.size(0), n = w.size(1);
  const int64_t* p = ids.data<int64_t>();
  for (int64_t i = 0; i < ids.numel(); ++i)
    if (p[i] < 0 || p[i] >= V)
      detail::fail("embedding", "id " + std::to_string(p[i]) + " at position " +
                                    std::to_string(i) + " is outside the table of " +
                                    std::to_string(V) + " rows");
  Shape out_shape = ids.shape();
  out_shape.push_back(n);
  Tensor y = Tensor::empty(out_shape);
  kernels::embedding(ids.numel(), n, w.data<float>(), p, y.data<float>());
  if (autograd::needs_grad(weight_in)) grad::record_embedding(y, weight_in, ids);
  return y;
}

}  // namespace cuddle::ops
