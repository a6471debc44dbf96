// PNG decoding with libpng, converted to RGB the way Pillow's PngImagePlugin opens each
// (bit depth, colour type) and Image.convert("RGB") then maps that mode (docs/images.md).
//
// libpng reports errors with longjmp. Every libpng call runs inside one of the small
// `png_*_step` functions below, whose frames hold no C++ objects, so a longjmp never skips a
// destructor; the steps return false and the caller turns the recorded message into an
// exception after the jump.
#include <png.h>

#include <algorithm>
#include <array>
#include <csetjmp>
#include <cstring>
#include <string>

#include "cuddle/error.h"
#include "io/image_codecs.h"

namespace cuddle::io {
namespace {

struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  bool truncated = false;
  char message[200] = {};
};

void png_read_bytes(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) {
    src->truncated = true;
    png_error(png, "truncated PNG data");
  }
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

void png_record_error(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->message, sizeof src->message, "%s", message);
  png_longjmp(png, 1);
}

void png_ignore_warning(png_structp, png_const_charp) {}

struct PngHeader {
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  size_t rowbytes = 0;
};

// Reads the chunks up to the first IDAT and sets up the unpacking of 1/2/4-bit samples to
// one byte each and the de-interlacing; 16-bit samples stay big-endian pairs.
bool png_header_step(png_structp png, png_infop info, PngHeader* h) {
  if (setjmp(png_jmpbuf(png))) return false;
  // Pillow has no width / height limit of its own beyond max_pixels, so neither do we.
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  png_read_info(png, info);
  int interlace = 0;
  png_get_IHDR(png, info, &h->width, &h->height, &h->bit_depth, &h->color_type, &interlace,
               nullptr, nullptr);
  if (h->bit_depth < 8) png_set_packing(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  h->rowbytes = png_get_rowbytes(png, info);
  return true;
}

bool png_rows_step(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  return true;
}

// The chunks after IDAT, where an eXIf chunk may sit; Pillow reads them leniently, so a
// failure here only means no EXIF block from this part of the file.
bool png_end_step(png_structp png, png_infop info) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_end(png, info);
  return true;
}

struct PngHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngHandles() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

// Pillow's palette starts as a grey ramp and PLTE overwrites its first entries, so indices
// past the end of PLTE read (i, i, i).
std::array<uint8_t, 768> png_palette(png_structp png, png_infop info) {
  std::array<uint8_t, 768> table;
  for (int i = 0; i < 256; ++i) table[i * 3] = table[i * 3 + 1] = table[i * 3 + 2] = static_cast<uint8_t>(i);
  png_colorp entries = nullptr;
  int count = 0;
  if (png_get_PLTE(png, info, &entries, &count) & PNG_INFO_PLTE) {
    for (int i = 0; i < std::min(count, 256); ++i) {
      table[i * 3] = entries[i].red;
      table[i * 3 + 1] = entries[i].green;
      table[i * 3 + 2] = entries[i].blue;
    }
  }
  return table;
}

// One row of unpacked samples to RGB, per Pillow's mode for the PNG:
//   grey 1/2/4-bit ("1", "L;2", "L;4"): scaled to 0..255; grey 16-bit ("I;16"): the value
//   clipped at 255; RGB / RGBA / grey+alpha 16-bit: the high byte of each sample; alpha is
//   dropped, never composited; palette: looked up, tRNS ignored.
void png_row_to_rgb(const PngHeader& h, const uint8_t* in, const std::array<uint8_t, 768>& palette,
                    uint8_t* out) {
  const bool wide = h.bit_depth == 16;
  const int bytes = wide ? 2 : 1;
  for (png_uint_32 x = 0; x < h.width; ++x, out += 3) {
    switch (h.color_type) {
      case PNG_COLOR_TYPE_GRAY: {
        const uint8_t* s = in + size_t{x} * bytes;
        uint8_t v = wide ? (s[0] != 0 ? 255 : s[1]) : static_cast<uint8_t>(s[0] * 255 / ((1 << std::min(h.bit_depth, 8)) - 1));
        out[0] = out[1] = out[2] = v;
        break;
      }
      case PNG_COLOR_TYPE_GRAY_ALPHA:
        out[0] = out[1] = out[2] = in[size_t{x} * 2 * bytes];
        break;
      case PNG_COLOR_TYPE_PALETTE:
        std::memcpy(out, &palette[in[x] * 3], 3);
        break;
      case PNG_COLOR_TYPE_RGB:
      case PNG_COLOR_TYPE_RGB_ALPHA: {
        const int channels = h.color_type == PNG_COLOR_TYPE_RGB ? 3 : 4;
        const uint8_t* s = in + size_t{x} * channels * bytes;
        out[0] = s[0];
        out[1] = s[bytes];
        out[2] = s[2 * bytes];
        break;
      }
    }
  }
}

}  // namespace

DecodedImage decode_png(const uint8_t* data, size_t size, uint64_t max_pixels) {
  // Like Pillow, refuse an oversized image from IHDR alone, before libpng reads further.
  if (size >= 24 && std::memcmp(data + 12, "IHDR", 4) == 0) {
    auto be32 = [data](size_t at) {
      return uint64_t{data[at]} << 24 | uint64_t{data[at + 1]} << 16 | uint64_t{data[at + 2]} << 8 | data[at + 3];
    };
    if (be32(16) != 0 && be32(20) != 0) check_image_size(be32(16), be32(20), max_pixels);
  }
  PngSource src{data, size};
  PngHandles handles;
  handles.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_record_error, png_ignore_warning);
  if (handles.png) handles.info = png_create_info_struct(handles.png);
  if (!handles.png || !handles.info) throw Error("PNG: out of memory creating the decoder");
  png_set_read_fn(handles.png, &src, png_read_bytes);
  auto fail = [&src]() -> FormatError {
    return FormatError(src.truncated ? std::string("truncated PNG data")
                                     : std::string("corrupt PNG data: ") + src.message);
  };

  PngHeader header;
  if (!png_header_step(handles.png, handles.info, &header)) throw fail();
  check_image_size(header.width, header.height, max_pixels);
  std::vector<uint8_t> raw(header.rowbytes * header.height);
  std::vector<png_bytep> rows(header.height);
  for (png_uint_32 y = 0; y < header.height; ++y) rows[y] = raw.data() + header.rowbytes * y;
  if (!png_rows_step(handles.png, rows.data())) throw fail();
  png_end_step(handles.png, handles.info);

  DecodedImage out;
  out.image.width = header.width;
  out.image.height = header.height;
  out.image.rgb.resize(size_t{header.width} * header.height * 3);
  const auto palette = png_palette(handles.png, handles.info);
  for (png_uint_32 y = 0; y < header.height; ++y)
    png_row_to_rgb(header, rows[y], palette, &out.image.rgb[size_t{y} * header.width * 3]);

  png_uint_32 exif_size = 0;
  png_bytep exif = nullptr;
  if (png_get_eXIf_1(handles.png, handles.info, &exif_size, &exif) & PNG_INFO_eXIf)
    out.exif.assign(exif, exif + exif_size);
  return out;
}

}  // namespace cuddle::io
