// A quantized Linear's forward that records on the autograd tape when its input (or bias)
// requires grad; otherwise exactly QuantizedLinear::forward.
#pragma once
#include <memory>

#include "cuddle/nn.h"

namespace cuddle::nn {

Tensor quantized_linear_with_grad(const std::shared_ptr<const QuantizedLinear>& q, const Tensor& x,
                                  const Tensor& bias, Activation act);

}  // namespace cuddle::nn
