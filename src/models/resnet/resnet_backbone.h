// ResNet's convolutional trunk, named as transformers' modeling_resnet: embedder.embedder
// (7x7 stride-2 conv + batch norm + activation, then a 3x3 stride-2 max pool) and
// encoder.stages.N.layers.M (basic or bottleneck residual layers). ResNetModel and
// ResNetForImageClassification put a pooler / classifier on it; DETR uses it as its
// backbone (model.backbone.conv_encoder.model).
#pragma once
#include <memory>
#include <vector>

#include "cuddle/nn.h"
#include "models/resnet/resnet_config.h"

namespace cuddle::models {

// convolution -> normalization -> activation (ResNetConvLayer; also the shortcut's
// projection, with no activation). At load the batch norm is folded into the convolution,
// so the forward is one conv2d with bias and activation fused.
class ResNetConvLayer : public nn::Module {
 public:
  ResNetConvLayer(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                  Activation act);
  Tensor forward(const Tensor& x) const;
  void on_loaded() override;
  nn::Conv2d convolution;
  nn::BatchNorm2d normalization;

 private:
  Activation act_;
  nn::FoldedConv folded_;
};

// A residual layer: layer.0 .. layer.K (basic: two 3x3 convs; bottleneck: 1x1 reduce by 4,
// 3x3, 1x1 expand), plus a projection shortcut when the channels or the stride change;
// act(layers(x) + shortcut(x)).
class ResNetResidualLayer : public nn::Module {
 public:
  ResNetResidualLayer(const ResNetConfig& c, int64_t in_channels, int64_t out_channels,
                      int64_t stride);
  Tensor forward(const Tensor& x) const;

 private:
  std::unique_ptr<ResNetConvLayer> shortcut_;
  std::vector<std::unique_ptr<ResNetConvLayer>> layers_;
  Activation act_;
};

class ResNetTrunk : public nn::Module {
 public:
  explicit ResNetTrunk(const ResNetConfig& c);
  // The embedder's output, then each stage's (transformers' hidden_states, indexed as
  // stage_names). Throws ShapeError naming `who` when pixel_values is missing or is not
  // [B, num_channels, H, W].
  std::vector<Tensor> forward(const Tensor& pixel_values, const std::string& who) const;

 private:
  int64_t num_channels_;
  ResNetConvLayer embedder_;
  std::vector<std::vector<std::unique_ptr<ResNetResidualLayer>>> stages_;
};

}  // namespace cuddle::models
