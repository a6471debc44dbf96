#include "cuddle/ops.h"
#include "kernels/cpu/spatial.h"
#include "ops/checks.h"
#include "ops/grad/grad.h"
#include "cuddle/autograd.h"
#include "ops/window.h"

namespace cuddle::ops {

using detail::fail;

Tensor conv2d(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in,
              const Conv2dOptions& o) {
  const bool record = autograd::needs_grad({&x_in, &weight_in, &bias_in});
  if (record && o.act != Activation::Identity) {
    Conv2dOptions plain = o;
    plain.act = Activation::Identity;
    return activation(conv2d(x_in, weight_in, bias_in, plain), o.act);
  }
  Tensor x = detail::float_input(x_in, "conv2d", "input");
  Tensor w = detail::float_input(weight_in, "conv2d", "weight");
  detail::require_dims(x, 4, "conv2d", "input");
  detail::require_dims(w, 4, "conv2d", "weight");
  const int64_t C = x.size(1), O = w.size(0);
  if (o.groups < 1 || C % o.groups != 0 || O % o.groups != 0)
    fail("conv2d", "groups " + std::to_string(o.groups) + " must divide the input channels (" +
                       std::to_string(C) + ") and the output channels (" + std::to_string(O) + ")");
  if (w.size(1) * o.groups != C)
    fail("conv2d", "weight " + w.describe() + " expects " + std::to_string(w.size(1) * o.groups) +
                       " input channels, input " + x.describe() + " has " + std::to_string(C));
  Tensor bias;
  if (bias_in.defined()) {
    bias = detail::float_input(bias_in, "conv2d", "bias");
    if (bias.shape() != Shape{O})
      fail("conv2d", "bias " + bias.describe() + " must be [" + std::to_string(O) + "]");
  }
  const kernels::Window2d s =
      detail::window2d("conv2d", x, {w.size(2), w.size(3)}, o.stride, o.padding, o.dilation);
  Tensor y = Tensor::empty({s.B, O, s.OH, s.OW});
  kernels::conv2d(x.data<float>(), s, w.data<float>(), O, o.groups,
                  bias.defined() ? bias.data<float>() : nullptr, o.act, y.data<float>());
  if (record) grad::record_conv2d(y, x_in, weight_in, bias_in, x, w, s, o.groups);
  return y;
}

}  // namespace cuddle::ops
