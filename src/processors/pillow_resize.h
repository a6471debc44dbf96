// Pillow's Image.resize for 8-bit RGB images, bit for bit: the resampling filters with their
// support widened when downscaling (antialiasing), coefficients normalised to 16-bit fixed
// point with a per-axis precision, the horizontal pass before the vertical one, and NEAREST through the affine
// scaler. transformers' "slow" image processors resize through exactly this call.
#pragma once
#include <cstdint>

#include "cuddle/image.h"

namespace cuddle::processors {

// PIL.Image.Resampling values, as image processor configs store them in "resample".
enum class Resample : int { Nearest = 0, Lanczos = 1, Bilinear = 2, Bicubic = 3, Box = 4, Hamming = 5 };

// Image.resize((width, height), resample). Throws ShapeError for a non-positive size or an
// empty input.
Image pillow_resize(const Image& image, int64_t width, int64_t height, Resample resample);

}  // namespace cuddle::processors
