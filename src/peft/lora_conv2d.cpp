// peft's lora.Conv2d: lora_A a convolution with the base's kernel, stride and padding to r
// channels ([r, in, kh, kw]), lora_B a 1x1 convolution r -> out ([out, r, 1, 1]); merged,
// W[o, i] += scaling * sum_k B[o, k] A[k, i] (peft's 1x1 product, and for larger kernels its
// conv2d(A^T, B) transposed, which is the same sum).
#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "peft/lora_init.h"
#include "peft/lora_layers.h"

namespace cuddle::peft {

namespace {

class LoraConv2d : public LoraLayer {
 public:
  explicit LoraConv2d(nn::Conv2d& conv) : LoraLayer(conv, conv.weight), conv_(conv) {
    a_options_.stride = conv.options.stride;
    a_options_.padding = conv.options.padding;
  }

  std::string kind() const override { return "Conv2d"; }
  Shape a_shape(int64_t r) const override {
    const Shape& w = weight().shape();
    return {r, w[1], w[2], w[3]};
  }
  Shape b_shape(int64_t r) const override { return {weight().size(0), r, 1, 1}; }
  std::string a_dims() const override {
    const Shape& w = weight().shape();
    return "in_channels " + std::to_string(w[1]) + ", kernel " + std::to_string(w[2]) + "x" + std::to_string(w[3]);
  }
  std::string b_dims() const override { return "out_channels " + std::to_string(weight().size(0)); }
  LoraWeights init(const std::string& mode, int64_t r) const override {
    return init_lora_module(mode, a_shape(r), b_shape(r));
  }
  Tensor* bias() override { return conv_.bias.defined() ? &conv_.bias : nullptr; }

  Tensor delta(const Tensor& x) const override {
    const LoraWeights& w = *running();
    const float p = dropout_now(w);
    const Tensor t = ops::conv2d(p > 0.0f ? ops::dropout(x, p) : x, w.A, {}, a_options_);
    return ops::scale(ops::conv2d(t, w.B), w.scaling);
  }

  Tensor delta_weight(const std::string& name) const override {
    const LoraWeights& w = adapters.at(name);
    autograd::NoGradGuard no_grad;
    const int64_t r = w.A.size(0);
    const Tensor a = w.A.contiguous().reshape({r, w.A.numel() / r});
    const Tensor b = w.B.contiguous().reshape({w.B.size(0), r});
    return ops::scale(ops::matmul(b, a), w.scaling).reshape(weight().shape());
  }

 private:
  nn::Conv2d& conv_;
  ops::Conv2dOptions a_options_;  // lora_A: the base's stride and padding, no dilation, one group
};

}  // namespace

std::shared_ptr<LoraLayer> make_lora_conv2d(nn::Conv2d& conv, const std::string& path) {
  const ops::Conv2dOptions& o = conv.options;
  if (o.groups != 1)
    throw Error("LoRA: " + path + " is a Conv2d with groups " + std::to_string(o.groups) +
                "; cuddle adapts ungrouped convolutions only (peft cannot merge grouped ones)");
  if (o.dilation != std::array<int64_t, 2>{1, 1})
    throw Error("LoRA: " + path + " is a dilated Conv2d; peft's lora_A does not dilate, so its output would not "
                "match the base's");
  return std::make_shared<LoraConv2d>(conv);
}

}  // namespace cuddle::peft
