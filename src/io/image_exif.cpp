// EXIF orientation as Pillow reads it (Image.getexif) and applies it
// (ImageOps.exif_transpose), which transformers' load_image calls before convert("RGB").
#include <cstring>

#include "io/image_codecs.h"

namespace cuddle::io {
namespace {

constexpr uint16_t kOrientationTag = 0x0112;
constexpr uint16_t kTypeShort = 3, kTypeLong = 4;

struct TiffReader {
  const uint8_t* data;
  size_t size;
  bool big_endian;
  bool has(size_t offset, size_t n) const { return offset <= size && n <= size - offset; }
  uint32_t u16(size_t o) const {
    return big_endian ? (data[o] << 8 | data[o + 1]) : (data[o + 1] << 8 | data[o]);
  }
  uint32_t u32(size_t o) const {
    return big_endian ? (u16(o) << 16 | u16(o + 2)) : (u16(o + 2) << 16 | u16(o));
  }
};

}  // namespace

int exif_orientation(const std::vector<uint8_t>& exif) {
  // JPEG's APP1 payload starts with "Exif\0\0"; PNG's eXIf chunk may carry it too.
  size_t start = exif.size() >= 6 && std::memcmp(exif.data(), "Exif\0\0", 6) == 0 ? 6 : 0;
  TiffReader r{exif.data() + start, exif.size() - start, false};
  if (!r.has(0, 8)) return 1;
  if (std::memcmp(r.data, "MM\0*", 4) == 0) {
    r.big_endian = true;
  } else if (std::memcmp(r.data, "II*\0", 4) != 0) {
    return 1;
  }
  size_t ifd = r.u32(4);
  if (!r.has(ifd, 2)) return 1;
  uint32_t count = r.u16(ifd);
  for (uint32_t i = 0; i < count; ++i) {
    size_t entry = ifd + 2 + size_t{12} * i;
    if (!r.has(entry, 12)) return 1;
    if (r.u16(entry) != kOrientationTag) continue;
    uint32_t type = r.u16(entry + 2);
    if (r.u32(entry + 4) == 0) return 1;
    if (type == kTypeShort) return static_cast<int>(r.u16(entry + 8));
    if (type == kTypeLong) return static_cast<int>(r.u32(entry + 8) & 0x7fffffff);
    return 1;
  }
  return 1;
}

Image apply_orientation(const Image& in, int orientation) {
  if (orientation < 2 || orientation > 8) return in;
  const int64_t W = in.width, H = in.height;
  // 5..8 swap the axes (transpose, rotate 270 / 90 degrees counter-clockwise, transverse).
  const bool swap = orientation >= 5;
  Image out;
  out.width = swap ? H : W;
  out.height = swap ? W : H;
  out.rgb.resize(in.rgb.size());
  for (int64_t r = 0; r < out.height; ++r) {
    for (int64_t c = 0; c < out.width; ++c) {
      int64_t sy = 0, sx = 0;  // source row / column of output pixel (r, c)
      switch (orientation) {
        case 2: sy = r; sx = W - 1 - c; break;          // FLIP_LEFT_RIGHT
        case 3: sy = H - 1 - r; sx = W - 1 - c; break;  // ROTATE_180
        case 4: sy = H - 1 - r; sx = c; break;          // FLIP_TOP_BOTTOM
        case 5: sy = c; sx = r; break;                  // TRANSPOSE
        case 6: sy = H - 1 - c; sx = r; break;          // ROTATE_270
        case 7: sy = H - 1 - c; sx = W - 1 - r; break;  // TRANSVERSE
        case 8: sy = c; sx = W - 1 - r; break;          // ROTATE_90
      }
      const uint8_t* s = &in.rgb[static_cast<size_t>((sy * W + sx) * 3)];
      uint8_t* d = &out.rgb[static_cast<size_t>((r * out.width + c) * 3)];
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
    }
  }
  return out;
}

}  // namespace cuddle::io
