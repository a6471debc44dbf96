#include <string>

#include "cuddle/error.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/multiversion.h"
#include "kernels/cpu/vec_math.h"

namespace cuddle {

namespace {
struct NamedActivation {
  std::string_view name;
  Activation act;
};
// Every ACT2FN entry without learned parameters. The first name of each kind is its
// canonical spelling (activation_name).
constexpr NamedActivation kActivations[] = {
    {"linear", Activation::Identity},       {"gelu", Activation::Gelu},
    {"gelu_python", Activation::Gelu},      {"gelu_10", Activation::Gelu10},
    {"gelu_new", Activation::GeluTanh},     {"gelu_pytorch_tanh", Activation::GeluTanh},
    {"gelu_accurate", Activation::GeluTanh}, {"gelu_fast", Activation::GeluTanh},
    {"quick_gelu", Activation::QuickGelu},  {"relu", Activation::Relu},
    {"relu2", Activation::Relu2},           {"relu6", Activation::Relu6},
    {"leaky_relu", Activation::LeakyRelu},  {"silu", Activation::Silu},
    {"swish", Activation::Silu},            {"mish", Activation::Mish},
    {"sigmoid", Activation::Sigmoid},       {"tanh", Activation::Tanh},
    {"laplace", Activation::Laplace},
};
}  // namespace

Activation activation_from_name(std::string_view name) {
  for (const auto& a : kActivations)
    if (a.name == name) return a.act;
  std::string known;
  for (const auto& a : kActivations) known += (known.empty() ? "" : ", ") + std::string(a.name);
  throw ShapeError("unknown activation \"" + std::string(name) + "\" (supported: " + known +
                   "; prelu and xielu need learned parameters and are not supported)");
}

std::string_view activation_name(Activation act) {
  for (const auto& a : kActivations)
    if (a.act == act) return a.name;
  return "?";
}

namespace kernels {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;

[[gnu::always_inline]] inline float gelu(float x) {
  return 0.5f * x * (1.0f + vmath::erf(x * kInvSqrt2));
}

template <typename F>
[[gnu::always_inline]] inline void map(float* x, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) x[i] = f(x[i]);
}
}  // namespace

CUDDLE_MULTIVERSION
void activation(Activation act, float* x, int64_t n) {
  switch (act) {
    case Activation::Identity:
      return;
    case Activation::Gelu:
      return map(x, n, [](float v) { return gelu(v); });
    case Activation::Gelu10:
      return map(x, n, [](float v) {
        const float g = gelu(v);
        return g > 10.0f ? 10.0f : (g < -10.0f ? -10.0f : g);
      });
    case Activation::GeluTanh:
      return map(x, n, [](float v) {
        return 0.5f * v * (1.0f + vmath::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
      });
    case Activation::QuickGelu:
      return map(x, n, [](float v) { return v * vmath::sigmoid(1.702f * v); });
    case Activation::Relu:
      return map(x, n, [](float v) { return v > 0.0f ? v : 0.0f; });
    case Activation::Relu2:
      return map(x, n, [](float v) { return v > 0.0f ? v * v : 0.0f; });
    case Activation::Relu6:
      return map(x, n, [](float v) { return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f; });
    case Activation::LeakyRelu:
      return map(x, n, [](float v) { return v > 0.0f ? v : 0.01f * v; });
    case Activation::Silu:
      return map(x, n, [](float v) { return v * vmath::sigmoid(v); });
    case Activation::Mish:
      // softplus(x) = log1p(exp(x)); tanh(log1p(e)) = ((1+e)^2 - 1) / ((1+e)^2 + 1), which
      // needs no log. Above 20 torch's softplus returns x and tanh(x) is 1 in float.
      return map(x, n, [](float v) {
        const float e = vmath::exp(v < 20.0f ? v : 20.0f);
        const float s = (1.0f + e) * (1.0f + e);
        return v * ((s - 1.0f) / (s + 1.0f));
      });
    case Activation::Sigmoid:
      return map(x, n, [](float v) { return vmath::sigmoid(v); });
    case Activation::Tanh:
      return map(x, n, [](float v) { return vmath::tanh(v); });
    case Activation::Laplace:
      return map(x, n, [](float v) {
        return 0.5f * (1.0f + vmath::erf((v - 0.707107f) / (0.282095f * 1.41421356237f)));
      });
  }
}

}  // namespace kernels
}  // namespace cuddle
