// DETR's spatial inputs: the pixel mask shrunk to the feature map, and the 2-D position
// embeddings of each feature-map cell (transformers' DetrSinePositionEmbedding /
// DetrLearnedPositionEmbedding), flattened to the encoder's sequence order (row-major).
#pragma once
#include "cuddle/nn.h"

namespace cuddle::models {

// pixel_mask [B, H, W] (any dtype; non-zero = real pixel) resized to [B, h, w] by nearest
// neighbour as torch.nn.functional.interpolate(mask[None].float(), size=(h, w)).bool():
// source index floor(dst * (in / out)) in float, clamped. Returns I64 0 / 1.
Tensor downsample_mask(const Tensor& pixel_mask, int64_t h, int64_t w);

// DetrSinePositionEmbedding(d_model / 2, temperature 10000, normalize=True, scale 2*pi):
// cumulative sums of the mask down the rows (y) and along the columns (x), normalised by
// the last value (+1e-6) and scaled by 2*pi, divided by 10000^(2*floor(i/2) / (d/2)),
// sin on even and cos on odd channels; y channels first, then x. mask [B, h, w] 0 / 1
// (I64) -> [B, h*w, d_model].
Tensor sine_position_embedding(const Tensor& mask, int64_t d_model);

// DetrLearnedPositionEmbedding: row_embeddings / column_embeddings (50 x d_model/2 each);
// cell (y, x) gets column_embeddings[x] then row_embeddings[y]. -> [B, h*w, d_model].
class DetrLearnedPositionEmbedding : public nn::Module {
 public:
  explicit DetrLearnedPositionEmbedding(int64_t d_model);
  Tensor forward(int64_t batch, int64_t h, int64_t w) const;
  nn::Embedding row_embeddings, column_embeddings;
};

}  // namespace cuddle::models
