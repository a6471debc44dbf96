// decode_image / load_image / list_images: format sniffing, the size checks Pillow applies
// before decoding, and the EXIF transpose transformers' load_image does (docs/images.md).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cuddle/error.h"
#include "io/image_codecs.h"

namespace cuddle {
namespace {

bool starts_with(const uint8_t* data, size_t size, const char* magic, size_t n, size_t at = 0) {
  return size >= at + n && std::memcmp(data + at, magic, n) == 0;
}

// Names the formats people most often hand to an image pipeline, so the error says what the
// file is rather than only what it is not.
std::string detected_format(const uint8_t* data, size_t size) {
  if (starts_with(data, size, "GIF87a", 6) || starts_with(data, size, "GIF89a", 6)) return "GIF";
  if (starts_with(data, size, "BM", 2)) return "BMP";
  if (starts_with(data, size, "RIFF", 4) && starts_with(data, size, "WEBP", 4, 8)) return "WebP";
  if (starts_with(data, size, "II*\0", 4) || starts_with(data, size, "MM\0*", 4)) return "TIFF";
  if (starts_with(data, size, "ftyp", 4, 4)) return "HEIF/AVIF (ISO BMFF)";
  if (starts_with(data, size, "\0\0\0\x0cjP  ", 8) || starts_with(data, size, "\xff\x4f\xff\x51", 4)) return "JPEG 2000";
  if (starts_with(data, size, "8BPS", 4)) return "PSD";
  if (starts_with(data, size, "\0\0\1\0", 4)) return "ICO";
  if (starts_with(data, size, "qoif", 4)) return "QOI";
  std::string hex;
  for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", data[i]);
    hex += buf;
  }
  return "unknown (first bytes " + hex + ")";
}

}  // namespace

namespace io {

void check_image_size(uint64_t width, uint64_t height, uint64_t max_pixels) {
  const std::string dims = std::to_string(width) + "x" + std::to_string(height);
  if (width == 0 || height == 0) throw FormatError("image has no pixels (" + dims + ")");
  if (width * height > max_pixels)
    throw FormatError("image of " + dims + " = " + std::to_string(width * height) +
                      " pixels exceeds the limit of " + std::to_string(max_pixels) +
                      " pixels (decompression bomb check, as Pillow's)");
}

}  // namespace io

Image decode_image(const uint8_t* data, size_t size, const ImageDecodeOptions& options) {
  if (size == 0) throw FormatError("empty image data (0 bytes)");
  io::DecodedImage decoded;
  if (starts_with(data, size, "\x89PNG\r\n\x1a\n", 8)) {
    decoded = io::decode_png(data, size, options.max_pixels);
  } else if (starts_with(data, size, "\xff\xd8\xff", 3)) {
    decoded = io::decode_jpeg(data, size, options.max_pixels);
  } else {
    throw FormatError("unsupported image format: " + detected_format(data, size) +
                      "; only PNG and JPEG are decoded");
  }
  if (!options.apply_exif_orientation || decoded.exif.empty()) return std::move(decoded.image);
  return io::apply_orientation(decoded.image, io::exif_orientation(decoded.exif));
}

Image load_image(const std::string& path, const ImageDecodeOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open image");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(path + ": read error");
  try {
    return decode_image(bytes.data(), bytes.size(), options);
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

std::vector<std::string> list_images(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) throw IoError(folder + ": cannot list images: " + ec.message());
  std::vector<std::string> paths;
  for (const fs::directory_entry& entry : it) {
    if (!entry.is_regular_file(ec)) continue;
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace cuddle
