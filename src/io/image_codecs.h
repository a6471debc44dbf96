// Internal entry points of the image decoders (image_png.cpp, image_jpeg.cpp) and the EXIF
// orientation helpers (image_exif.cpp) that decode_image (image_decode.cpp) combines.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cuddle/image.h"

namespace cuddle::io {

// A decoded image before orientation: RGB pixels plus the raw EXIF block (TIFF header
// onwards, empty when the file has none).
struct DecodedImage {
  Image image;
  std::vector<uint8_t> exif;
};

DecodedImage decode_png(const uint8_t* data, size_t size, uint64_t max_pixels);
DecodedImage decode_jpeg(const uint8_t* data, size_t size, uint64_t max_pixels);

// Throws FormatError naming the size when width x height is zero or above max_pixels; called
// with the header's size before any pixel buffer is allocated.
void check_image_size(uint64_t width, uint64_t height, uint64_t max_pixels);

// The EXIF Orientation tag (0x0112) of IFD0 in a TIFF-structured block, or 1 when absent or
// unreadable (Pillow skips corrupt EXIF data rather than failing the image).
int exif_orientation(const std::vector<uint8_t>& exif);
// Applies the transpose ImageOps.exif_transpose picks for `orientation` (2..8; others leave
// the image unchanged).
Image apply_orientation(const Image& image, int orientation);

}  // namespace cuddle::io
