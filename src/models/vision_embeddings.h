// Patch embeddings shared by ViT and CLIP's vision tower: a Conv2d with kernel = stride =
// patch size run as ops::patchify + one GEMM, a class token in front, and learned
// position embeddings, bicubic-resized for other image sizes (interpolate_pos_encoding).
#pragma once
#include <string>

#include "cuddle/models.h"
#include "cuddle/nn.h"

namespace cuddle::models {

// nn.Conv2d(channels, hidden, kernel_size = stride = patch): keys "weight" [hidden,
// channels, patch, patch] and, with bias, "bias" [hidden].
class PatchEmbedding : public nn::Module {
 public:
  PatchEmbedding(int64_t channels, int64_t hidden, int64_t patch, bool bias);
  // Packs the conv weight as a [hidden, channels * patch * patch] Linear weight.
  void on_loaded() override;
  // pixel_values [B, C, H, W] -> [B, (H / patch) * (W / patch), hidden].
  Tensor forward(const Tensor& pixel_values) const;
  int64_t patch_size() const { return patch_; }
  Tensor weight, bias;

 private:
  int64_t patch_;
  ops::LinearWeight gemm_weight_;
};

// Checks ModelInputs::pixel_values: defined, floating, [B, channels, H, W], and H = W =
// image_size unless inputs.interpolate_pos_encoding (then at least one patch each way).
// Throws ShapeError naming `model` and what was expected.
void check_pixel_values(const ModelInputs& inputs, int64_t channels, int64_t image_size,
                        int64_t patch, const std::string& model);

// [class token, patches] + positions for pixel_values [B, C, H, W] -> [B, 1 + n, D].
// class_token holds D values (ViT's cls_token [1, 1, D], CLIP's class_embedding [D]);
// positions holds (1 + g * g) x D values for the pretraining grid g x g (ViT's
// position_embeddings [1, 1 + g*g, D], CLIP's position_embedding.weight). For another
// patch grid the g x g part is bicubic-resized as transformers' interpolate_pos_encoding.
Tensor embed_patches(const Tensor& pixel_values, const PatchEmbedding& patches,
                     const Tensor& class_token, const Tensor& positions);

// transformers' interpolate_pos_encoding: positions [(1 + g*g), D] for an nh x nw grid
// -> [1 + nh*nw, D], the class position kept, the grid resized with
// interpolate(mode="bicubic", align_corners=False); unchanged when nh = nw = g.
Tensor interpolate_pos_encoding(const Tensor& positions, int64_t nh, int64_t nw);

}  // namespace cuddle::models
