#include "models/resnet/resnet_backbone.h"

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {
ops::Conv2dOptions same_padding(int64_t kernel_size, int64_t stride) {
  ops::Conv2dOptions o;
  o.stride = {stride, stride};
  o.padding = {kernel_size / 2, kernel_size / 2};
  return o;
}
}  // namespace

ResNetConvLayer::ResNetConvLayer(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 int64_t stride, Activation act)
    : convolution(in_channels, out_channels, {kernel_size, kernel_size},
                  same_padding(kernel_size, stride), /*bias=*/false),
      normalization(out_channels),
      act_(act) {
  register_module("convolution", convolution);
  register_module("normalization", normalization);
}

void ResNetConvLayer::on_loaded() { folded_ = nn::fold_batch_norm(convolution, normalization); }

Tensor ResNetConvLayer::forward(const Tensor& x) const {
  const auto& bn = normalization;
  if (convolution.weight.requires_grad()) {
    // Trainable: the convolution and the normalisation stay separate (the folded copy
    // would be stale after the first update); batch statistics in training mode, running
    // ones (updated with torch's momentum 0.1) in eval mode.
    const Tensor y = convolution.forward(x);
    const Tensor z = is_training() ? ops::batch_norm_train(y, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                                           0.1f, bn.eps)
                                   : ops::batch_norm(y, bn.running_mean, bn.running_var, bn.weight, bn.bias, bn.eps);
    return ops::activation(z, act_);
  }
  if (nn::adapter_active(convolution.adapter)) {
    // A LoRA adapter on the frozen convolution adds to its output before the normalisation,
    // which then runs on its running statistics (a frozen base keeps its batch norm frozen).
    const Tensor y = convolution.forward(x);
    return ops::activation(ops::batch_norm(y, bn.running_mean, bn.running_var, bn.weight, bn.bias, bn.eps), act_);
  }
  ops::Conv2dOptions o = convolution.options;
  o.act = act_;
  return ops::conv2d(x, folded_.weight, folded_.bias, o);
}

ResNetResidualLayer::ResNetResidualLayer(const ResNetConfig& c, int64_t in, int64_t out,
                                         int64_t stride)
    : act_(c.activation) {
  if (in != out || stride != 1) {
    shortcut_ = std::make_unique<ResNetConvLayer>(in, out, 1, stride, Activation::Identity);
    register_module("shortcut", *shortcut_);
  }
  // transformers builds the inner conv layers with ResNetConvLayer's default activation,
  // relu, whatever hidden_act says; hidden_act applies after the residual sum only.
  if (c.bottleneck) {
    const int64_t reduced = out / 4;
    // downsample_in_bottleneck moves the stride from the 3x3 conv to the first 1x1.
    const bool first = c.downsample_in_bottleneck;
    layers_.push_back(
        std::make_unique<ResNetConvLayer>(in, reduced, 1, first ? stride : 1, Activation::Relu));
    layers_.push_back(
        std::make_unique<ResNetConvLayer>(reduced, reduced, 3, first ? 1 : stride, Activation::Relu));
    layers_.push_back(std::make_unique<ResNetConvLayer>(reduced, out, 1, 1, Activation::Identity));
  } else {
    layers_.push_back(std::make_unique<ResNetConvLayer>(in, out, 3, stride, Activation::Relu));
    layers_.push_back(std::make_unique<ResNetConvLayer>(out, out, 3, 1, Activation::Identity));
  }
  for (size_t i = 0; i < layers_.size(); ++i) register_module("layer." + std::to_string(i), *layers_[i]);
}

Tensor ResNetResidualLayer::forward(const Tensor& x) const {
  Tensor h = x;
  for (const auto& l : layers_) h = l->forward(h);
  return ops::activation(ops::add(h, shortcut_ ? shortcut_->forward(x) : x), act_);
}

ResNetTrunk::ResNetTrunk(const ResNetConfig& c)
    : num_channels_(c.num_channels),
      embedder_(c.num_channels, c.embedding_size, 7, 2, c.activation) {
  register_module("embedder.embedder", embedder_);
  int64_t in = c.embedding_size;
  for (size_t s = 0; s < c.depths.size(); ++s) {
    const int64_t out = c.hidden_sizes[s];
    const int64_t stride = s == 0 && !c.downsample_in_first_stage ? 1 : 2;
    auto& stage = stages_.emplace_back();
    for (int64_t l = 0; l < c.depths[s]; ++l) {
      stage.push_back(std::make_unique<ResNetResidualLayer>(c, l == 0 ? in : out, out,
                                                            l == 0 ? stride : 1));
      register_module("encoder.stages." + std::to_string(s) + ".layers." + std::to_string(l),
                      *stage.back());
    }
    in = out;
  }
}

std::vector<Tensor> ResNetTrunk::forward(const Tensor& pixel_values, const std::string& who) const {
  if (!pixel_values.defined())
    throw ShapeError(who + ": pixel_values is required ([batch, " + std::to_string(num_channels_) +
                     ", height, width] f32)");
  if (pixel_values.dim() != 4 || pixel_values.size(1) != num_channels_)
    throw ShapeError(who + ": pixel_values " + pixel_values.describe() + " must be [batch, " +
                     std::to_string(num_channels_) + ", height, width] (num_channels in config.json)");
  std::vector<Tensor> hidden;
  hidden.push_back(ops::max_pool2d(embedder_.forward(pixel_values), {3, 3}, {2, 2}, {1, 1}));
  for (const auto& stage : stages_) {
    Tensor h = hidden.back();
    for (const auto& layer : stage) h = layer->forward(h);
    hidden.push_back(h);
  }
  return hidden;
}

}  // namespace cuddle::models
