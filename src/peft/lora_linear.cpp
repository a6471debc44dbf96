// peft's lora.Linear on an nn::Linear, and on GPT-2's Conv1D (weight [in, out]) with
// fan_in_fan_out: the same A [r, in] and B [out, r], the merged update transposed.
#include "cuddle/autograd.h"
#include "kernels/cpu/kernels.h"
#include "peft/lora_init.h"
#include "peft/lora_layers.h"

namespace cuddle::peft {

namespace {

class LoraLinear : public LoraLayer {
 public:
  // fan_in_fan_out: the base weight is [in, out] (Conv1D). `quantized`: the layer's
  // quantized weight slot (set when the base is 8-bit / 4-bit).
  LoraLinear(nn::Module& module, Tensor& weight, Tensor& bias, bool fan_in_fan_out,
             const std::shared_ptr<const nn::QuantizedLinear>& quantized)
      : LoraLayer(module, weight),
        bias_(bias),
        fan_in_fan_out_(fan_in_fan_out),
        quantized_(quantized),
        // A quantized weight's stored form has another shape: the quantized layer knows its own.
        in_(quantized ? quantized->in_features() : weight.size(fan_in_fan_out ? 0 : 1)),
        out_(quantized ? quantized->out_features() : weight.size(fan_in_fan_out ? 1 : 0)) {}

  std::string kind() const override { return fan_in_fan_out_ ? "Conv1D" : "Linear"; }
  Shape a_shape(int64_t r) const override { return {r, in_}; }
  Shape b_shape(int64_t r) const override { return {out_, r}; }
  std::string a_dims() const override { return "in_features " + std::to_string(in_); }
  std::string b_dims() const override { return "out_features " + std::to_string(out_); }
  LoraWeights init(const std::string& mode, int64_t r) const override {
    return init_lora_module(mode, a_shape(r), b_shape(r));
  }
  Tensor* bias() override { return bias_.defined() ? &bias_ : nullptr; }
  bool quantized() const override { return quantized_ != nullptr; }

  Tensor delta(const Tensor& x) const override {
    const LoraWeights& w = *running();
    const float p = dropout_now(w);
    return ops::scale(ops::linear(ops::linear(p > 0.0f ? ops::dropout(x, p) : x, w.A), w.B), w.scaling);
  }

  // Without recording or dropout: t = x A^T ([rows, r]) then y += scaling t B^T, two small
  // GEMMs accumulated into the layer's output buffer (no second full pass over y).
  bool add_into(const Tensor& x, Tensor& y) const override {
    const LoraWeights& w = *running();
    if (dropout_now(w) > 0.0f || autograd::needs_grad({&x, &y, &w.A, &w.B})) return false;
    if (x.dtype() != DType::F32 || !x.is_contiguous() || !y.is_contiguous() || w.A.dtype() != DType::F32 ||
        w.B.dtype() != DType::F32 || !w.A.is_contiguous() || !w.B.is_contiguous())
      return false;
    const int64_t r = w.A.size(0), K = w.A.size(1), N = w.B.size(0);
    const int64_t rows = x.numel() / K;
    Tensor t = Tensor::empty({rows, r});
    kernels::gemm(rows, r, K, 1.0f, x.data<float>(), K, w.A.data<float>(), K, /*b_transposed=*/true, 0.0f,
                  t.data<float>(), r);
    kernels::gemm(rows, N, r, w.scaling, t.data<float>(), r, w.B.data<float>(), r, /*b_transposed=*/true, 1.0f,
                  y.data<float>(), N);
    return true;
  }

  // scaling * B A ([out, in]), transposed to [in, out] for a Conv1D.
  Tensor delta_weight(const std::string& name) const override {
    const LoraWeights& w = adapters.at(name);
    autograd::NoGradGuard no_grad;
    const Tensor d = ops::scale(ops::matmul(w.B, w.A), w.scaling);
    return fan_in_fan_out_ ? d.transpose(0, 1).contiguous() : d;
  }

 private:
  Tensor& bias_;
  bool fan_in_fan_out_;
  const std::shared_ptr<const nn::QuantizedLinear>& quantized_;
  int64_t in_, out_;
};

}  // namespace

std::shared_ptr<LoraLayer> make_lora_linear(nn::Linear& linear) {
  return std::make_shared<LoraLinear>(linear, linear.weight, linear.bias, false, linear.quantized);
}

std::shared_ptr<LoraLayer> make_lora_conv1d(models::Conv1D& conv) {
  return std::make_shared<LoraLinear>(conv, conv.weight, conv.bias, true, conv.quantized);
}

}  // namespace cuddle::peft
