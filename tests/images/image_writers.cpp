#include "images/image_writers.h"

#include <png.h>

#include <cstdio>
#include <jpeglib.h>
#include <stdexcept>

namespace cuddle::test {
namespace {

void append(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}

int channels_of(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    default: return 4;
  }
}

}  // namespace

std::string write_png(const PngSpec& s) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) throw std::runtime_error("write_png failed");
  png_set_benign_errors(png, 1);  // lets a test write palette indices past PLTE
  png_set_write_fn(png, &out, append, nullptr);
  png_set_IHDR(png, info, s.width, s.height, s.bit_depth, s.color_type,
               s.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> plte;
  for (size_t i = 0; i + 2 < s.palette.size(); i += 3) plte.push_back({s.palette[i], s.palette[i + 1], s.palette[i + 2]});
  if (!plte.empty()) png_set_PLTE(png, info, plte.data(), static_cast<int>(plte.size()));
  if (!s.trns.empty()) png_set_tRNS(png, info, s.trns.data(), static_cast<int>(s.trns.size()), nullptr);
  if (!s.exif.empty()) png_set_eXIf_1(png, info, static_cast<png_uint_32>(s.exif.size()), const_cast<png_bytep>(s.exif.data()));
  png_write_info(png, info);
  // Pack the samples into rows at the file's bit depth (big-endian for 16 bits).
  const int per_row = s.width * channels_of(s.color_type);
  const size_t row_bytes = (static_cast<size_t>(per_row) * s.bit_depth + 7) / 8;
  std::vector<std::vector<uint8_t>> rows(s.height, std::vector<uint8_t>(row_bytes, 0));
  for (int y = 0; y < s.height; ++y) {
    for (int i = 0; i < per_row; ++i) {
      const uint16_t v = s.samples.at(static_cast<size_t>(y) * per_row + i);
      if (s.bit_depth == 16) {
        rows[y][i * 2] = v >> 8;
        rows[y][i * 2 + 1] = v & 0xff;
      } else {
        const int bit = i * s.bit_depth;
        rows[y][bit / 8] |= static_cast<uint8_t>(v << (8 - s.bit_depth - bit % 8));
      }
    }
  }
  std::vector<png_bytep> ptrs;
  for (auto& r : rows) ptrs.push_back(r.data());
  png_write_image(png, ptrs.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string write_jpeg(const JpegSpec& s) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = s.width;
  cinfo.image_height = s.height;
  cinfo.input_components = s.components;
  cinfo.in_color_space = s.components == 1 ? JCS_GRAYSCALE : s.components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, s.quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  if (!s.app1.empty()) jpeg_write_marker(&cinfo, JPEG_APP0 + 1, s.app1.data(), static_cast<unsigned>(s.app1.size()));
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(&s.samples[static_cast<size_t>(cinfo.next_scanline) * s.width * s.components]);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  free(buffer);
  return out;
}

std::vector<uint8_t> exif_with_orientation(int orientation, bool big_endian) {
  auto u16 = [&](uint16_t v) {
    return big_endian ? std::vector<uint8_t>{uint8_t(v >> 8), uint8_t(v)} : std::vector<uint8_t>{uint8_t(v), uint8_t(v >> 8)};
  };
  std::vector<uint8_t> out = big_endian ? std::vector<uint8_t>{'M', 'M', 0, 42, 0, 0, 0, 8}
                                        : std::vector<uint8_t>{'I', 'I', 42, 0, 8, 0, 0, 0};
  auto put = [&](const std::vector<uint8_t>& b) { out.insert(out.end(), b.begin(), b.end()); };
  put(u16(1));                            // one IFD0 entry
  put(u16(0x0112));                       // Orientation
  put(u16(3));                            // SHORT
  put(big_endian ? std::vector<uint8_t>{0, 0, 0, 1} : std::vector<uint8_t>{1, 0, 0, 0});  // count 1
  put(u16(static_cast<uint16_t>(orientation)));
  put({0, 0});                            // value padding
  put({0, 0, 0, 0});                      // no next IFD
  return out;
}

}  // namespace cuddle::test
