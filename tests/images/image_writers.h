// Writers for small PNG and JPEG files with libpng / libjpeg, so the decoding tests can
// cover bit depths, colour types and EXIF blocks the vendored fixtures do not have.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cuddle::test {

struct PngSpec {
  int width = 1, height = 1;
  int bit_depth = 8;
  int color_type = 2;              // PNG_COLOR_TYPE_*: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
  std::vector<uint16_t> samples;   // width * height * channels values, row-major
  std::vector<uint8_t> palette;    // RGB triples, for color_type 3
  std::vector<uint8_t> trns;       // tRNS alphas for a palette
  std::vector<uint8_t> exif;       // eXIf chunk payload (TIFF block)
  bool interlaced = false;
};
std::string write_png(const PngSpec& spec);

struct JpegSpec {
  int width = 1, height = 1;
  int components = 3;              // 1 grey, 3 RGB, 4 CMYK (libjpeg adds the Adobe marker)
  std::vector<uint8_t> samples;    // width * height * components
  std::vector<uint8_t> app1;       // written as an APP1 segment when not empty
  int quality = 100;
};
std::string write_jpeg(const JpegSpec& spec);

// A little-endian TIFF block whose IFD0 holds only Orientation = `orientation`.
std::vector<uint8_t> exif_with_orientation(int orientation, bool big_endian = false);

}  // namespace cuddle::test
