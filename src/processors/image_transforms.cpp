#include "processors/image_transforms.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "cuddle/error.h"

namespace cuddle::processors {
namespace {

// Python's floor division, which center_crop uses for negative slack too.
int64_t floor_div2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

}  // namespace

std::pair<int64_t, int64_t> shortest_edge_size(int64_t height, int64_t width, int64_t shortest_edge) {
  const int64_t short_side = std::min(height, width), long_side = std::max(height, width);
  const auto new_long = static_cast<int64_t>(static_cast<double>(shortest_edge * long_side) / short_side);
  return width <= height ? std::pair{new_long, shortest_edge} : std::pair{shortest_edge, new_long};
}

std::pair<int64_t, int64_t> detr_resize_size(int64_t height, int64_t width, int64_t size, int64_t max_size) {
  double raw_size = 0;
  bool limited = false;
  if (max_size > 0) {
    const double min_side = static_cast<double>(std::min(height, width));
    const double max_side = static_cast<double>(std::max(height, width));
    if (max_side / min_side * size > max_size) {
      raw_size = max_size * min_side / max_side;
      size = static_cast<int64_t>(std::nearbyint(raw_size));  // Python round(): half to even
      limited = true;
    }
  }
  if ((height <= width && height == size) || (width <= height && width == size)) return {height, width};
  const double scale_from = limited ? raw_size : static_cast<double>(size);
  if (width < height) return {static_cast<int64_t>(scale_from * height / width), size};
  return {size, static_cast<int64_t>(scale_from * width / height)};
}

std::pair<int64_t, int64_t> max_height_width_size(int64_t height, int64_t width, int64_t max_height,
                                                  int64_t max_width) {
  const double scale = std::min(static_cast<double>(max_height) / height, static_cast<double>(max_width) / width);
  return {static_cast<int64_t>(height * scale), static_cast<int64_t>(width * scale)};
}

Image center_crop(const Image& in, int64_t crop_height, int64_t crop_width) {
  if (crop_height <= 0 || crop_width <= 0)
    throw ShapeError("center_crop: crop size " + std::to_string(crop_height) + "x" + std::to_string(crop_width) +
                     " must be positive");
  // The image is placed on a zero canvas of at least the crop size, offset by the ceiling
  // of half the extra room, then the crop window (shifted by that offset) is cut out.
  const int64_t canvas_h = std::max(crop_height, in.height), canvas_w = std::max(crop_width, in.width);
  const int64_t pad_top = (canvas_h - in.height + 1) / 2, pad_left = (canvas_w - in.width + 1) / 2;
  const int64_t top = floor_div2(in.height - crop_height) + pad_top;
  const int64_t left = floor_div2(in.width - crop_width) + pad_left;
  const int64_t row0 = std::max<int64_t>(0, top), row1 = std::min(canvas_h, top + crop_height);
  const int64_t col0 = std::max<int64_t>(0, left), col1 = std::min(canvas_w, left + crop_width);
  Image out;
  out.height = row1 - row0;
  out.width = col1 - col0;
  out.rgb.assign(static_cast<size_t>(out.height * out.width * 3), 0);
  for (int64_t r = 0; r < out.height; ++r) {
    const int64_t sy = r + row0 - pad_top;
    if (sy < 0 || sy >= in.height) continue;
    for (int64_t c = 0; c < out.width; ++c) {
      const int64_t sx = c + col0 - pad_left;
      if (sx < 0 || sx >= in.width) continue;
      const uint8_t* s = &in.rgb[static_cast<size_t>((sy * in.width + sx) * 3)];
      std::copy(s, s + 3, &out.rgb[static_cast<size_t>((r * out.width + c) * 3)]);
    }
  }
  return out;
}

void rescale_normalize_chw(const Image& image, const ImageProcessorConfig& config, float* out, int64_t out_height,
                           int64_t out_width) {
  // numpy: image.astype(float64) * scale, cast to float32; then (x - mean) / std with mean
  // and std as float32 arrays, so the arithmetic is float32.
  float lut[3][256];
  for (int ch = 0; ch < 3; ++ch) {
    const float mean = static_cast<float>(config.image_mean[ch]);
    const float std = static_cast<float>(config.image_std[ch]);
    for (int v = 0; v < 256; ++v) {
      float x = config.do_rescale ? static_cast<float>(v * config.rescale_factor) : static_cast<float>(v);
      if (config.do_normalize) x = (x - mean) / std;
      lut[ch][v] = x;
    }
  }
  const int64_t plane = out_height * out_width;
  for (int64_t y = 0; y < image.height; ++y) {
    const uint8_t* row = &image.rgb[static_cast<size_t>(y * image.width * 3)];
    for (int64_t x = 0; x < image.width; ++x)
      for (int ch = 0; ch < 3; ++ch) out[ch * plane + y * out_width + x] = lut[ch][row[x * 3 + ch]];
  }
}

}  // namespace cuddle::processors
