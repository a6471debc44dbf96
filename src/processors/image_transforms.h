// The geometry and value steps transformers' image_transforms.py applies around the PIL
// resize: output sizes for "shortest edge" and DETR resizing, center_crop with its zero
// padding, and rescale + normalize into float32 channel-first planes.
#pragma once
#include <cstdint>
#include <utility>

#include "cuddle/image.h"
#include "cuddle/image_processor.h"

namespace cuddle::processors {

// get_resize_output_image_size(default_to_square=False): the short side becomes
// `shortest_edge`, the long side int(shortest_edge * long / short). Returns (height, width).
std::pair<int64_t, int64_t> shortest_edge_size(int64_t height, int64_t width, int64_t shortest_edge);

// DETR's get_resize_output_image_size: shortest edge `size`, shrunk so the longest edge
// stays within `max_size` (0 = no limit). Returns (height, width).
std::pair<int64_t, int64_t> detr_resize_size(int64_t height, int64_t width, int64_t size, int64_t max_size);

// get_image_size_for_max_height_width: the largest scale keeping both sides within bounds.
std::pair<int64_t, int64_t> max_height_width_size(int64_t height, int64_t width, int64_t max_height,
                                                  int64_t max_width);

// image_transforms.center_crop: a centred crop, zero-padded where the crop is larger than
// the image.
Image center_crop(const Image& image, int64_t crop_height, int64_t crop_width);

// rescale (float64 multiply, then float32) and normalize ((x - mean) / std in float32) of
// every pixel, written channel-first to out[3][height][width] with row stride `out_width`.
void rescale_normalize_chw(const Image& image, const ImageProcessorConfig& config, float* out, int64_t out_height,
                           int64_t out_width);

}  // namespace cuddle::processors
