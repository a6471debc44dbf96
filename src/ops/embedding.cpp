#include "cuddle/ops.h"
#include "kernels/cpu/kernels.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"

namespace cuddle::ops {

namespace {
// The ids as i64, each checked to lie in [0, V).
Tensor checked_ids(const Tensor& ids_in, int64_t V, const char* op) {
  Tensor ids = detail::index_input(ids_in, op, "ids");
  const int64_t* p = ids.data<int64_t>();
  for (int64_t i = 0; i < ids.numel(); ++i)
    if (p[i] < 0 || p[i] >= V)
      detail::fail(op, "id " + std::to_string(p[i]) + " at position " + std::to_string(i) +
                           " is outside the table of " + std::to_string(V) + " entries");
  return ids;
}

Shape with_last(Shape s, int64_t n) {
  s.push_back(n);
  return s;
}
}  // namespace

Tensor embedding(const Tensor& weight_in, const Tensor& ids_in) {
  Tensor w = detail::float_input(weight_in, "embedding", "weight");
  detail::require_dims(w, 2, "embedding", "weight");
  const int64_t n = w.size(1);
  Tensor ids = checked_ids(ids_in, w.size(0), "embedding");
  Tensor y = Tensor::empty(with_last(ids.shape(), n));
  kernels::embedding(ids.numel(), n, w.data<float>(), ids.data<int64_t>(), y.data<float>());
  if (autograd::needs_grad(weight_in)) grad::record_embedding(y, weight_in, ids);
  return y;
}

Tensor embedding_columns(const Tensor& table_in, const Tensor& ids_in) {
  Tensor t = detail::float_input(table_in, "embedding_columns", "table");
  detail::require_dims(t, 2, "embedding_columns", "table");
  const int64_t n = t.size(0), V = t.size(1);
  Tensor ids = checked_ids(ids_in, V, "embedding_columns");
  Tensor y = Tensor::empty(with_last(ids.shape(), n));
  kernels::embedding_columns(ids.numel(), n, V, t.data<float>(), ids.data<int64_t>(), y.data<float>());
  if (autograd::needs_grad(table_in)) grad::record_embedding_columns(y, table_in, ids);
  return y;
}

}  // namespace cuddle::ops
