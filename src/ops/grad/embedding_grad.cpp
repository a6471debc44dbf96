#include "cuddle/autograd.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_embedding(Tensor& y, const Tensor& weight_in, const Tensor& ids) {
  const Shape w_shape = weight_in.shape();
  const std::vector<int64_t> rows = ids.to_int_vector();
  // A leaf table (a parameter) takes its gradient row by row: only the looked-up rows are
  // touched, with no [V, D] temporary per batch. A computed table gets a dense gradient.
  std::shared_ptr<autograd::Meta> leaf = weight_in.is_leaf() ? weight_in.autograd_meta() : nullptr;
  autograd::record(y, "embedding", {&weight_in}, [w_shape, rows, leaf](const Tensor& g) {
    const int64_t D = w_shape[1];
    if (leaf) {
      autograd::accumulate_rows(*leaf, w_shape, rows, g.data<float>(), D);
      return std::vector<Tensor>{Tensor()};
    }
    Tensor dw = Tensor::zeros(w_shape);
    float* pw = dw.data<float>();
    const float* pg = g.data<float>();
    for (size_t i = 0; i < rows.size(); ++i)
      for (int64_t j = 0; j < D; ++j) pw[rows[i] * D + j] += pg[static_cast<int64_t>(i) * D + j];
    return std::vector<Tensor>{dw};
  });
}

void record_embedding_columns(Tensor& y, const Tensor& table_in, const Tensor& ids) {
  const Shape t_shape = table_in.shape();
  const std::vector<int64_t> cols = ids.to_int_vector();
  std::shared_ptr<autograd::Meta> leaf = table_in.is_leaf() ? table_in.autograd_meta() : nullptr;
  autograd::record(y, "embedding_columns", {&table_in}, [t_shape, cols, leaf](const Tensor& g) {
    // A computed table gets a dense gradient, made the same way into a fresh one.
    autograd::Meta dense;
    autograd::accumulate_columns(leaf ? *leaf : dense, t_shape, cols, g.data<float>(), t_shape[0]);
    return std::vector<Tensor>{dense.grad};
  });
}

}  // namespace cuddle::ops::grad
