// Hostile input: each kind of broken file gives its own clear FormatError / IoError, and
// oversized images are refused from the header, before any pixel buffer exists.
#include <gtest/gtest.h>

#include <png.h>
#include <zlib.h>

#include "cuddle/error.h"
#include "cuddle/image.h"
#include "images/image_writers.h"
#include "test_util.h"

namespace cuddle {
namespace {

// The message of the FormatError decoding `bytes` throws ("" when it decodes).
std::string decode_error(const std::string& bytes, const ImageDecodeOptions& o = {}) {
  try {
    decode_image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), o);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

std::string small_png() {
  test::PngSpec s{.width = 4, .height = 3, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_RGB};
  s.samples.assign(4 * 3 * 3, 100);
  return test::write_png(s);
}

std::string small_jpeg() {
  test::JpegSpec s{.width = 16, .height = 16, .components = 3, .samples = std::vector<uint8_t>(16 * 16 * 3)};
  for (size_t i = 0; i < s.samples.size(); ++i) s.samples[i] = static_cast<uint8_t>(i * 31);
  return test::write_jpeg(s);
}

// Writes a big-endian 32-bit value at `at`.
void put_be32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

TEST(ImageDecodeErrors, EmptyAndUnsupportedFormats) {
  EXPECT_EQ(decode_error(""), "empty image data (0 bytes)");
  EXPECT_NE(decode_error("GIF89a\x01\x00").find("unsupported image format: GIF"), std::string::npos);
  EXPECT_NE(decode_error(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)).find("WebP"), std::string::npos);
  EXPECT_NE(decode_error("BM...").find("BMP"), std::string::npos);
  EXPECT_NE(decode_error("hello world").find("unknown (first bytes 68 65 6c 6c 6f 20 77 6f)"), std::string::npos);
}

TEST(ImageDecodeErrors, TruncatedFiles) {
  const std::string png = small_png();
  for (size_t keep : {size_t{8}, size_t{20}, png.size() - 20})
    EXPECT_EQ(decode_error(png.substr(0, keep)), "truncated PNG data") << keep;
  const std::string jpeg = small_jpeg();
  EXPECT_EQ(decode_error(jpeg.substr(0, jpeg.size() / 2)), "truncated JPEG data");
  EXPECT_EQ(decode_error(jpeg.substr(0, jpeg.size() - 2)), "truncated JPEG data");  // no EOI
  EXPECT_NE(decode_error(jpeg.substr(0, 3)).find("JPEG"), std::string::npos);
}

TEST(ImageDecodeErrors, CorruptData) {
  std::string png = small_png();
  png[17] ^= 0x40;  // inside IHDR: its CRC no longer matches
  EXPECT_NE(decode_error(png).find("corrupt PNG data: IHDR: CRC error"), std::string::npos) << decode_error(png);
  std::string jpeg = small_jpeg();
  const size_t sof = jpeg.find("\xff\xc0");
  ASSERT_NE(sof, std::string::npos);
  jpeg[sof + 4] = 12;  // 12-bit samples
  EXPECT_EQ(decode_error(jpeg), "corrupt JPEG data: Unsupported JPEG data precision 12");
  jpeg = small_jpeg();
  jpeg[sof + 9] = 2;  // two components
  EXPECT_NE(decode_error(jpeg).find("corrupt JPEG data:"), std::string::npos) << decode_error(jpeg);
}

TEST(ImageDecodeErrors, ZeroSize) {
  std::string png = small_png();
  put_be32(png, 16, 0);  // IHDR width 0 (libpng checks before the CRC)
  EXPECT_NE(decode_error(png).find("corrupt PNG data:"), std::string::npos);
  std::string jpeg = small_jpeg();
  const size_t sof = jpeg.find("\xff\xc0");
  ASSERT_NE(sof, std::string::npos);
  jpeg[sof + 5] = jpeg[sof + 6] = 0;  // SOF0 height 0
  EXPECT_NE(decode_error(jpeg).find("corrupt JPEG data:"), std::string::npos) << decode_error(jpeg);
}

TEST(ImageDecodeErrors, DecompressionBombRefusedFromHeader) {
  // A PNG header announcing 20000 x 20000 with no pixel data behind it: the size check fires
  // before decoding, so the error is the size, not truncation.
  test::PngSpec s{.width = 1, .height = 1, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_RGB, .samples = {1, 2, 3}};
  std::string png = test::write_png(s).substr(0, 33);  // signature + IHDR
  put_be32(png, 16, 20000);
  put_be32(png, 20, 20000);
  const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(png.data() + 12), 17));
  put_be32(png, 29, crc);
  EXPECT_EQ(decode_error(png), "image of 20000x20000 = 400000000 pixels exceeds the limit of 178956970 pixels "
                               "(decompression bomb check, as Pillow's)");
  ImageDecodeOptions tight;
  tight.max_pixels = 100;
  EXPECT_NE(decode_error(small_jpeg(), tight).find("16x16 = 256 pixels exceeds the limit of 100"), std::string::npos);
  tight.max_pixels = 12;
  EXPECT_EQ(decode_error(small_png(), tight), "");  // exactly at the limit is fine
}

TEST(ImageDecodeErrors, LoadImageNamesTheFile) {
  test::TempDir dir;
  try {
    load_image(dir / "missing.png");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "missing.png"), std::string::npos);
  }
  test::write_file(dir / "cut.jpg", small_jpeg().substr(0, 100));
  try {
    load_image(dir / "cut.jpg");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "cut.jpg") + ": truncated JPEG data");
  }
}

}  // namespace
}  // namespace cuddle
