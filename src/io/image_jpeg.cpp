// JPEG decoding with libjpeg-turbo, set up as Pillow's JpegDecode.c leaves it (accurate
// integer IDCT, fancy upsampling, the colour space libjpeg detects from JFIF / Adobe
// markers) and converted to RGB as Pillow's convert("RGB") maps modes L, RGB and CMYK.
//
// libjpeg reports errors through error_exit, which must not return: ours longjmps back into
// one of the `jpeg_*_step` functions, whose frames hold no C++ objects, so no destructor is
// skipped; the caller turns the recorded message into an exception.
#include <cstdio>
// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <jerror.h>

#include <csetjmp>
#include <cstring>
#include <string>

#include "cuddle/error.h"
#include "io/image_codecs.h"

namespace cuddle::io {
namespace {

struct JpegErrors {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
  // libjpeg's memory source pads a premature end with a fake EOI and only warns; Pillow
  // raises "image file is truncated" there, so the warning is remembered and turned into an
  // error.
  bool hit_end = false;
};

void jpeg_record_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrors*>(cinfo->err);
  cinfo->err->format_message(cinfo, err->message);
  longjmp(err->jump, 1);
}

void jpeg_note_warning(j_common_ptr cinfo, int level) {
  auto* err = reinterpret_cast<JpegErrors*>(cinfo->err);
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) err->hit_end = true;
}

void jpeg_silent_output(j_common_ptr) {}

struct JpegSession {
  jpeg_decompress_struct cinfo{};
  JpegErrors errors;
  bool created = false;
  JpegSession() {
    cinfo.err = jpeg_std_error(&errors.pub);
    errors.pub.error_exit = jpeg_record_error;
    errors.pub.emit_message = jpeg_note_warning;
    errors.pub.output_message = jpeg_silent_output;
  }
  ~JpegSession() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
  JpegSession(const JpegSession&) = delete;
  JpegSession& operator=(const JpegSession&) = delete;
};

bool jpeg_header_step(JpegSession* s, const uint8_t* data, size_t size) {
  if (setjmp(s->errors.jump)) return false;
  jpeg_create_decompress(&s->cinfo);
  s->created = true;
  jpeg_mem_src(&s->cinfo, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&s->cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&s->cinfo, TRUE);
  return true;
}

// Decodes every scanline into `pixels` (width x height x components, preallocated) and
// reads on to the EOI marker, so a file cut short anywhere is noticed.
bool jpeg_pixels_step(JpegSession* s, uint8_t* pixels, size_t row_bytes) {
  if (setjmp(s->errors.jump)) return false;
  jpeg_start_decompress(&s->cinfo);
  while (s->cinfo.output_scanline < s->cinfo.output_height) {
    JSAMPROW row = pixels + row_bytes * s->cinfo.output_scanline;
    jpeg_read_scanlines(&s->cinfo, &row, 1);
  }
  jpeg_finish_decompress(&s->cinfo);
  return true;
}

// Pillow opens 4-component JPEGs as "CMYK;I" (inverted, Adobe's convention), then
// cmyk2rgb computes 255 - K - C * (255 - K) / 255 in fixed point. In terms of the values
// libjpeg returns (c, k, already inverted in the file) that is k - muldiv255(255 - c, k).
uint8_t cmyk_channel_to_rgb(uint8_t c, uint8_t k) {
  const int nk = k;
  const int tmp = (255 - c) * nk + 128;
  const int v = nk - (((tmp >> 8) + tmp) >> 8);
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

DecodedImage decode_jpeg(const uint8_t* data, size_t size, uint64_t max_pixels) {
  JpegSession s;
  auto fail = [&s]() -> FormatError {
    return FormatError(s.errors.hit_end ? std::string("truncated JPEG data")
                                        : std::string("corrupt JPEG data: ") + s.errors.message);
  };
  if (!jpeg_header_step(&s, data, size)) throw fail();
  if (s.errors.hit_end) throw fail();
  DecodedImage out;
  // Pillow keeps the first APP1 segment that starts with "Exif\0\0". Saved markers live in
  // libjpeg's per-image pool, which finishing the decompression frees: copy it now.
  for (jpeg_saved_marker_ptr m = s.cinfo.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      out.exif.assign(m->data, m->data + m->data_length);
      break;
    }
  }

  const int components = s.cinfo.num_components;
  if (components == 1) {
    s.cinfo.out_color_space = JCS_GRAYSCALE;
  } else if (components == 3) {
    s.cinfo.out_color_space = JCS_RGB;
  } else if (components == 4) {
    s.cinfo.out_color_space = JCS_CMYK;
  } else {
    throw FormatError("JPEG with " + std::to_string(components) +
                      " components: only 1 (grey), 3 (YCbCr / RGB) and 4 (CMYK / YCCK) are supported");
  }
  s.cinfo.dct_method = JDCT_ISLOW;
  s.cinfo.do_fancy_upsampling = TRUE;
  check_image_size(s.cinfo.image_width, s.cinfo.image_height, max_pixels);

  const size_t width = s.cinfo.image_width, height = s.cinfo.image_height;
  const size_t row_bytes = width * components;
  std::vector<uint8_t> pixels(row_bytes * height);
  if (!jpeg_pixels_step(&s, pixels.data(), row_bytes) || s.errors.hit_end) throw fail();

  out.image.width = static_cast<int64_t>(width);
  out.image.height = static_cast<int64_t>(height);
  if (components == 3) {
    out.image.rgb = std::move(pixels);
  } else {
    out.image.rgb.resize(width * height * 3);
    for (size_t i = 0; i < width * height; ++i) {
      uint8_t* d = &out.image.rgb[i * 3];
      if (components == 1) {
        d[0] = d[1] = d[2] = pixels[i];
      } else {
        const uint8_t* p = &pixels[i * 4];
        for (int c = 0; c < 3; ++c) d[c] = cmyk_channel_to_rgb(p[c], p[3]);
      }
    }
  }
  return out;
}

}  // namespace cuddle::io
