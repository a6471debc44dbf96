// Image decoding with Pillow's semantics: the pixels of Image.open(...).convert("RGB"), after
// ImageOps.exif_transpose as transformers' load_image does (docs/images.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cuddle {

// An 8-bit RGB image as Pillow's Image.convert("RGB") holds it: rows top to bottom, pixels
// R,G,B interleaved.
struct Image {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

struct ImageDecodeOptions {
  uint64_t max_pixels = 178956970;  // like Pillow: 2 x Image.MAX_IMAGE_PIXELS is an error (decompression bomb)
  bool apply_exif_orientation = true;  // as transformers' load_image (ImageOps.exif_transpose)
};

// Sniffs PNG / JPEG from the bytes. Throws FormatError for corrupt, truncated, empty or
// oversized images and for other formats (naming the detected one).
Image decode_image(const uint8_t* data, size_t size, const ImageDecodeOptions& options = {});
// Reads and decodes a file; errors name the file.
Image load_image(const std::string& path, const ImageDecodeOptions& options = {});
// Paths of the .png / .jpg / .jpeg files (any letter case) directly inside `folder`, sorted
// by name. Throws IoError when the folder cannot be listed.
std::vector<std::string> list_images(const std::string& folder);

}  // namespace cuddle
