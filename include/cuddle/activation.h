// Activation functions by the names transformers' ACT2FN uses in config.json
// (`hidden_act`, `activation`). Shared by kernels (which apply them fused after a GEMM),
// ops and the model configs.
#pragma once
#include <string>
#include <string_view>

namespace cuddle {

enum class Activation {
  Identity,   // "linear"
  Gelu,       // "gelu", "gelu_python": exact, x/2 * (1 + erf(x / sqrt 2)) as torch
  Gelu10,     // "gelu_10": exact gelu clipped to [-10, 10]
  GeluTanh,   // "gelu_new", "gelu_pytorch_tanh", "gelu_accurate", "gelu_fast": tanh approximation
  QuickGelu,  // "quick_gelu": x * sigmoid(1.702 x)
  Relu,       // "relu"
  Relu2,      // "relu2": relu(x)^2
  Relu6,      // "relu6": min(max(x, 0), 6)
  LeakyRelu,  // "leaky_relu": slope 0.01 (torch's default)
  Silu,       // "silu", "swish": x * sigmoid(x)
  Mish,       // "mish": x * tanh(softplus(x))
  Sigmoid,    // "sigmoid"
  Tanh,       // "tanh"
  Laplace,    // "laplace": 0.5 * (1 + erf((x - 0.707107) / (0.282095 * sqrt 2)))
};

// Maps an ACT2FN name to its Activation. Throws ShapeError naming the value and the known
// names when the name is unknown or needs learned parameters (prelu, xielu).
Activation activation_from_name(std::string_view name);
std::string_view activation_name(Activation a);

}  // namespace cuddle
