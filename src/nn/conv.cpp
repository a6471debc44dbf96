#include <cmath>

#include "cuddle/nn.h"

namespace cuddle::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
               const ops::Conv2dOptions& opts, bool with_bias)
    : options(opts) {
  register_parameter("weight", weight,
                     {out_channels, in_channels / opts.groups, kernel_size[0], kernel_size[1]});
  if (with_bias) register_parameter("bias", bias, {out_channels});
}

Tensor Conv2d::forward(const Tensor& x) const {
  if (!adapter_active(adapter)) return ops::conv2d(x, weight, bias, options);
  ops::Conv2dOptions plain = options;
  plain.act = Activation::Identity;
  return add_adapter(*adapter, x, ops::conv2d(x, weight, bias, plain), options.act);
}

BatchNorm2d::BatchNorm2d(int64_t num_features, float eps) : eps(eps) {
  register_parameter("weight", weight, {num_features});
  register_parameter("bias", bias, {num_features});
  register_parameter("running_mean", running_mean, {num_features});
  register_parameter("running_var", running_var, {num_features});
}

Tensor BatchNorm2d::forward(const Tensor& x) const {
  return ops::batch_norm(x, running_mean, running_var, weight, bias, eps);
}

FoldedConv fold_batch_norm(const Conv2d& conv, const BatchNorm2d& bn) {
  const int64_t O = conv.weight.size(0), per_out = conv.weight.numel() / O;
  const std::vector<float> w = conv.weight.to_float_vector();
  const std::vector<float> gamma = bn.weight.to_float_vector(), beta = bn.bias.to_float_vector();
  const std::vector<float> mean = bn.running_mean.to_float_vector();
  const std::vector<float> var = bn.running_var.to_float_vector();
  const std::vector<float> b0 =
      conv.bias.defined() ? conv.bias.to_float_vector() : std::vector<float>(O, 0.0f);
  FoldedConv f{Tensor::empty(conv.weight.shape()), Tensor::empty({O})};
  float* fw = f.weight.data<float>();
  float* fb = f.bias.data<float>();
  for (int64_t o = 0; o < O; ++o) {
    // The scale torch's inference batch norm applies (see ops::batch_norm).
    const float scale = gamma[o] / std::sqrt(var[o] + bn.eps);
    for (int64_t i = 0; i < per_out; ++i) fw[o * per_out + i] = w[o * per_out + i] * scale;
    fb[o] = beta[o] + (b0[o] - mean[o]) * scale;
  }
  return f;
}

}  // namespace cuddle::nn
