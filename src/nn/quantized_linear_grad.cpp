// Autograd through a quantized Linear (QLoRA): the base weight is frozen, so only the
// input (and a trainable bias, peft's bias="all") get gradients. bitsandbytes' MatMul4Bit /
// MatMul8bitLt backward dequantize the weight and multiply: dx = g W. The dequantized
// weight exists only inside the backward of one layer, so a quantized model trains with
// its quantized memory footprint (no f32 copy of the weights kept on the tape).
#include "quantized_linear_grad.h"

#include "cuddle/autograd.h"
#include "cuddle/ops.h"

namespace cuddle::nn {

Tensor quantized_linear_with_grad(const std::shared_ptr<const QuantizedLinear>& q, const Tensor& x,
                                  const Tensor& bias, Activation act) {
  if (!autograd::needs_grad({&x, &bias})) return q->forward(x, bias, act);
  Tensor y;
  {
    autograd::NoGradGuard no_grad;  // the kernel's own conversions must not record
    y = q->forward(x, bias, Activation::Identity);
  }
  const Shape x_shape = x.shape();
  const bool has_bias = bias.defined();
  std::vector<const Tensor*> inputs{&x};
  if (has_bias) inputs.push_back(&bias);
  autograd::record(y, "quantized_linear", inputs, [q, x_shape, has_bias](const Tensor& g) {
    const int64_t N = g.size(-1), M = N ? g.numel() / N : 0;
    const Tensor g2 = g.contiguous().reshape({M, N});
    std::vector<Tensor> out{ops::matmul(g2, q->dequantized_weight()).reshape(x_shape)};
    if (has_bias) {
      Tensor db = Tensor::zeros({N});
      float* pb = db.data<float>();
      const float* pg = g2.data<float>();
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) pb[j] += pg[i * N + j];
      out.push_back(db);
    }
    return out;
  });
  return act == Activation::Identity ? y : ops::activation(y, act);
}

}  // namespace cuddle::nn
