#include "models/vision_embeddings.h"

#include <cmath>
#include <cstring>

#include "cuddle/ops.h"

namespace cuddle::models {

PatchEmbedding::PatchEmbedding(int64_t channels, int64_t hidden, int64_t patch, bool with_bias)
    : patch_(patch) {
  register_parameter("weight", weight, {hidden, channels, patch, patch});
  if (with_bias) register_parameter("bias", bias, {hidden});
}

void PatchEmbedding::on_loaded() {
  gemm_weight_ = ops::LinearWeight(weight.reshape({weight.size(0), -1}));
}

Tensor PatchEmbedding::forward(const Tensor& pixel_values) const {
  // A trainable weight goes through the plain linear, which records its gradient; the
  // packed copy is for inference.
  if (weight.requires_grad())
    return ops::linear(ops::patchify(pixel_values, patch_), weight.reshape({weight.size(0), -1}), bias);
  return ops::linear(ops::patchify(pixel_values, patch_), gemm_weight_, bias);
}

void check_pixel_values(const ModelInputs& in, int64_t channels, int64_t image_size,
                        int64_t patch, const std::string& model) {
  const std::string who = model + ": pixel_values ";
  const Tensor& px = in.pixel_values;
  if (!px.defined())
    throw ShapeError(who + "are missing (the model takes images [batch, " +
                     std::to_string(channels) + ", height, width])");
  if (px.dim() != 4 || px.size(1) != channels || !dtype_is_floating(px.dtype()))
    throw ShapeError(who + px.describe() + " must be floating [batch, " +
                     std::to_string(channels) + ", height, width]");
  const int64_t H = px.size(2), W = px.size(3);
  if (in.interpolate_pos_encoding) {
    if (H < patch || W < patch)
      throw ShapeError(who + px.describe() + " is smaller than one " + std::to_string(patch) +
                       "x" + std::to_string(patch) + " patch");
  } else if (H != image_size || W != image_size) {
    throw ShapeError(who + px.describe() + ": image size " + std::to_string(H) + "x" +
                     std::to_string(W) + " does not match the model's " +
                     std::to_string(image_size) + "x" + std::to_string(image_size) +
                     " (set interpolate_pos_encoding for other sizes)");
  }
}

Tensor interpolate_pos_encoding(const Tensor& positions, int64_t nh, int64_t nw) {
  const int64_t D = positions.size(-1), n = positions.numel() / D - 1;
  const auto g = static_cast<int64_t>(std::sqrt(static_cast<double>(n)));
  if (g * g != n)
    throw ShapeError("interpolate_pos_encoding: " + std::to_string(n) +
                     " patch positions are not a square grid");
  Tensor table = positions.reshape({n + 1, D});
  if (nh == g && nw == g) return table;
  // [g*g, D] -> [D, g, g], resized, -> [nh*nw, D].
  Tensor grid = table.slice(0, 1, n + 1).reshape({g, g, D}).permute({2, 0, 1});
  Tensor resized = ops::interpolate_bicubic(grid, nh, nw).permute({1, 2, 0}).contiguous();
  Tensor out = Tensor::empty({1 + nh * nw, D});
  const Tensor cls = table.slice(0, 0, 1).contiguous();
  std::memcpy(out.data<float>(), cls.data<float>(), D * sizeof(float));
  std::memcpy(out.data<float>() + D, resized.data<float>(), nh * nw * D * sizeof(float));
  return out;
}

Tensor embed_patches(const Tensor& pixel_values, const PatchEmbedding& patches,
                     const Tensor& class_token, const Tensor& positions) {
  Tensor p = patches.forward(pixel_values);  // [B, n, D]
  const int64_t nh = pixel_values.size(2) / patches.patch_size();
  const int64_t nw = pixel_values.size(3) / patches.patch_size();
  const Tensor e = ops::prepend_token(p, class_token);
  return ops::add(e, interpolate_pos_encoding(positions, nh, nw));
}

}  // namespace cuddle::models
