#include "cuddle/autograd.h"
#include "kernels/cpu/grad_kernels.h"
#include "ops/grad/grad.h"

namespace cuddle::ops::grad {

void record_linear(Tensor& y, const Tensor& x_in, const std::vector<Tensor>& weights_in,
                   const Tensor& bias_in, const Tensor& x, const std::vector<Tensor>& weights) {
  std::vector<const Tensor*> inputs{&x_in};
  for (const Tensor& w : weights_in) inputs.push_back(&w);
  if (bias_in.defined()) inputs.push_back(&bias_in);
  std::vector<bool> needs;
  for (const Tensor* t : inputs) needs.push_back(t->requires_grad());

  // Save only what the needed gradients read: W for the input's, x for the weights'.
  const size_t blocks = weights.size();
  std::vector<int64_t> block_rows;
  bool any_weight = false;
  for (size_t b = 0; b < blocks; ++b) {
    block_rows.push_back(weights[b].size(0));
    any_weight = any_weight || needs[1 + b];
  }
  std::vector<Tensor> saved_w;
  if (needs[0])
    for (const Tensor& w : weights) saved_w.push_back(w.detach());
  const Tensor saved_x = any_weight ? x.detach() : Tensor();
  const Shape x_shape = x_in.shape();
  const bool has_bias = bias_in.defined();

  autograd::record(y, "linear", inputs, [=](const Tensor& g) {
    const int64_t N = g.size(-1), M = N ? g.numel() / N : 0;
    const int64_t K = x_shape.back();
    const float* pg = g.data<float>();
    std::vector<Tensor> out(needs.size());
    int64_t col = 0;  // first output column of block b
    Tensor dx = needs[0] ? Tensor::zeros(x_shape) : Tensor();
    for (size_t b = 0; b < blocks; ++b) {
      const int64_t n = block_rows[b];
      // dx += g[:, block] W_block
      if (needs[0])
        kernels::gemm(M, K, n, 1.0f, pg + col, N, saved_w[b].data<float>(), K, /*b_transposed=*/false, 1.0f,
                      dx.data<float>(), K);
      // dW_block = g[:, block]^T x
      if (needs[1 + b]) {
        Tensor dw = Tensor::empty({n, K});
        kernels::gemm_tn(n, K, M, 1.0f, pg + col, N, saved_x.data<float>(), K, 0.0f, dw.data<float>(), K);
        out[1 + b] = dw;
      }
      col += n;
    }
    out[0] = dx;
    if (has_bias && needs.back()) {
      Tensor db = Tensor::zeros({N});
      kernels::add_column_sums(pg, M, N, db.data<float>());
      out.back() = db;
    }
    return out;
  });
}

}  // namespace cuddle::ops::grad
