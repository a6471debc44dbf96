#include "models/detr/detr_position.h"

#include <cmath>
#include <numbers>
#include <vector>

namespace cuddle::models {

namespace {
constexpr int64_t kLearnedPositions = 50;  // transformers' fixed table size
}

Tensor downsample_mask(const Tensor& pixel_mask, int64_t h, int64_t w) {
  const int64_t B = pixel_mask.size(0), H = pixel_mask.size(1), W = pixel_mask.size(2);
  const std::vector<float> m = pixel_mask.to_float_vector();
  // torch's nearest: scale = in / out as float, source = min(floor(dst * scale), in - 1).
  const float sy = static_cast<float>(H) / static_cast<float>(h);
  const float sx = static_cast<float>(W) / static_cast<float>(w);
  Tensor out = Tensor::empty({B, h, w}, DType::I64);
  int64_t* o = out.data<int64_t>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t y = 0; y < h; ++y) {
      const int64_t iy = std::min(static_cast<int64_t>(std::floor(y * sy)), H - 1);
      for (int64_t x = 0; x < w; ++x) {
        const int64_t ix = std::min(static_cast<int64_t>(std::floor(x * sx)), W - 1);
        o[(b * h + y) * w + x] = m[(b * H + iy) * W + ix] != 0.0f;
      }
    }
  return out;
}

Tensor sine_position_embedding(const Tensor& mask, int64_t d_model) {
  const int64_t B = mask.size(0), h = mask.size(1), w = mask.size(2), half = d_model / 2;
  const int64_t* m = mask.data<int64_t>();
  const float scale = 2.0f * std::numbers::pi_v<float>;
  std::vector<float> dim_t(half);
  for (int64_t i = 0; i < half; ++i)
    dim_t[i] = std::pow(10000.0f, static_cast<float>(2 * (i / 2)) / static_cast<float>(half));
  Tensor pos = Tensor::empty({B, h * w, d_model});
  float* p = pos.data<float>();
  std::vector<float> y_embed(h * w), x_embed(h * w);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* mb = m + b * h * w;
    // Cumulative sums in float, as torch's cumsum(dtype=float32).
    for (int64_t x = 0; x < w; ++x) {
      float run = 0.0f;
      for (int64_t y = 0; y < h; ++y) y_embed[y * w + x] = run += static_cast<float>(mb[y * w + x]);
    }
    for (int64_t y = 0; y < h; ++y) {
      float run = 0.0f;
      for (int64_t x = 0; x < w; ++x) x_embed[y * w + x] = run += static_cast<float>(mb[y * w + x]);
    }
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const float ye = y_embed[y * w + x] / (y_embed[(h - 1) * w + x] + 1e-6f) * scale;
        const float xe = x_embed[y * w + x] / (x_embed[y * w + w - 1] + 1e-6f) * scale;
        float* row = p + (b * h * w + y * w + x) * d_model;
        for (int64_t i = 0; i < half; ++i) {
          const float vy = ye / dim_t[i], vx = xe / dim_t[i];
          row[i] = i % 2 == 0 ? std::sin(vy) : std::cos(vy);
          row[half + i] = i % 2 == 0 ? std::sin(vx) : std::cos(vx);
        }
      }
  }
  return pos;
}

DetrLearnedPositionEmbedding::DetrLearnedPositionEmbedding(int64_t d_model)
    : row_embeddings(kLearnedPositions, d_model / 2),
      column_embeddings(kLearnedPositions, d_model / 2) {
  register_module("row_embeddings", row_embeddings);
  register_module("column_embeddings", column_embeddings);
}

Tensor DetrLearnedPositionEmbedding::forward(int64_t batch, int64_t h, int64_t w) const {
  if (h > kLearnedPositions || w > kLearnedPositions)
    throw ShapeError("DETR learned position embeddings cover feature maps up to 50 x 50, got " +
                     std::to_string(h) + " x " + std::to_string(w));
  const int64_t half = row_embeddings.weight.size(1);
  const std::vector<float> rows = row_embeddings.weight.to_float_vector();
  const std::vector<float> cols = column_embeddings.weight.to_float_vector();
  Tensor pos = Tensor::empty({batch, h * w, 2 * half});
  float* p = pos.data<float>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        float* cell = p + ((b * h + y) * w + x) * 2 * half;
        std::copy_n(cols.data() + x * half, half, cell);
        std::copy_n(rows.data() + y * half, half, cell + half);
      }
  return pos;
}

}  // namespace cuddle::models
