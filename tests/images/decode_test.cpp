// Decoding: the vendored images, and hand-written PNG / JPEG files whose expected RGB
// pixels follow Pillow's open + convert("RGB") rules (derived from Pillow's source, see
// docs/images.md), plus EXIF orientation as ImageOps.exif_transpose applies it.
#include <gtest/gtest.h>

#include <png.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "cuddle/image.h"
#include "images/image_writers.h"
#include "test_util.h"

namespace cuddle {
namespace {

Image decode(const std::string& bytes, const ImageDecodeOptions& o = {}) {
  return decode_image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), o);
}

std::vector<uint8_t> grey(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.insert(out.end(), 3, static_cast<uint8_t>(v));
  return out;
}

TEST(ImageDecode, EveryFixtureImageHasItsSize) {
  const auto index = nlohmann::json::parse(test::read_file(test::fixture("image_processors/index.json")));
  const std::vector<std::string> paths = list_images(test::fixture("images"));
  ASSERT_EQ(paths.size(), index["vit_slow"]["images"].size());
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    const std::string name = std::filesystem::path(path).filename().string();
    // The names spell the size: scene_80x60.jpg is 80 wide, 60 high.
    const std::string dims = name.substr(name.rfind('_') + 1);
    const int64_t w = std::stoll(dims), h = std::stoll(dims.substr(dims.find('x') + 1));
    Image im = load_image(path);
    EXPECT_EQ(im.width, w);
    EXPECT_EQ(im.height, h);
    EXPECT_EQ(im.rgb.size(), static_cast<size_t>(w * h * 3));
  }
}

TEST(ImageDecode, ListImagesSortsAndFilters) {
  test::TempDir dir;
  for (const char* n : {"b.JPG", "a.png", "c.jpeg", "notes.txt", "d.gif"}) test::write_file(dir / n, "x");
  std::filesystem::create_directory(dir / "sub.png");
  EXPECT_EQ(list_images(dir.path()), (std::vector<std::string>{dir / "a.png", dir / "b.JPG", dir / "c.jpeg"}));
  EXPECT_THROW(list_images(dir / "missing"), IoError);
}

TEST(ImageDecode, PngGreyAlphaDropsAlphaAndGrey16Clips) {
  test::PngSpec la8{.width = 2, .height = 1, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA,
                    .samples = {10, 0, 200, 255}};
  EXPECT_EQ(decode(test::write_png(la8)).rgb, grey({10, 200}));
  // Mode I;16, then convert("RGB") clips at 255 rather than taking the high byte.
  test::PngSpec g16{.width = 5, .height = 1, .bit_depth = 16, .color_type = PNG_COLOR_TYPE_GRAY,
                    .samples = {0x0000, 0x00ab, 0x00ff, 0x0100, 0x1234}};
  EXPECT_EQ(decode(test::write_png(g16)).rgb, grey({0, 0xab, 255, 255, 255}));
  // 16-bit grey + alpha opens as RGBA from the high byte of the grey sample.
  test::PngSpec la16{.width = 2, .height = 1, .bit_depth = 16, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA,
                     .samples = {0x12ff, 0xffff, 0x00ff, 0x0000}};
  EXPECT_EQ(decode(test::write_png(la16)).rgb, grey({0x12, 0x00}));
}

TEST(ImageDecode, PngLowBitGreyScalesToFullRange) {
  test::PngSpec g2{.width = 4, .height = 1, .bit_depth = 2, .color_type = PNG_COLOR_TYPE_GRAY, .samples = {0, 1, 2, 3}};
  EXPECT_EQ(decode(test::write_png(g2)).rgb, grey({0, 85, 170, 255}));
  test::PngSpec g4{.width = 3, .height = 1, .bit_depth = 4, .color_type = PNG_COLOR_TYPE_GRAY, .samples = {0, 7, 15}};
  EXPECT_EQ(decode(test::write_png(g4)).rgb, grey({0, 119, 255}));
  test::PngSpec g1{.width = 3, .height = 1, .bit_depth = 1, .color_type = PNG_COLOR_TYPE_GRAY, .samples = {1, 0, 1}};
  EXPECT_EQ(decode(test::write_png(g1)).rgb, grey({255, 0, 255}));
}

TEST(ImageDecode, Png16BitColourKeepsHighBytes) {
  test::PngSpec rgb16{.width = 1, .height = 1, .bit_depth = 16, .color_type = PNG_COLOR_TYPE_RGB,
                      .samples = {0x1234, 0xabcd, 0x00ff}};
  EXPECT_EQ(decode(test::write_png(rgb16)).rgb, (std::vector<uint8_t>{0x12, 0xab, 0x00}));
  test::PngSpec rgba16{.width = 1, .height = 1, .bit_depth = 16, .color_type = PNG_COLOR_TYPE_RGB_ALPHA,
                       .samples = {0xfe01, 0x8080, 0x0102, 0x0000}};
  EXPECT_EQ(decode(test::write_png(rgba16)).rgb, (std::vector<uint8_t>{0xfe, 0x80, 0x01}));
  test::PngSpec rgba8{.width = 1, .height = 1, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_RGB_ALPHA,
                      .samples = {9, 8, 7, 0}};
  EXPECT_EQ(decode(test::write_png(rgba8)).rgb, (std::vector<uint8_t>{9, 8, 7}));  // no compositing
}

TEST(ImageDecode, PngPaletteIgnoresTransparencyAndRampsPastPlte) {
  test::PngSpec p{.width = 4, .height = 1, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_PALETTE,
                  .samples = {0, 1, 2, 7}, .palette = {255, 0, 0, 0, 255, 0, 0, 0, 255}, .trns = {0, 128}};
  // Index 7 lies past the 3 PLTE entries: Pillow's palette starts as a grey ramp.
  EXPECT_EQ(decode(test::write_png(p)).rgb, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 7, 7, 7}));
  test::PngSpec p4{.width = 3, .height = 1, .bit_depth = 4, .color_type = PNG_COLOR_TYPE_PALETTE,
                   .samples = {1, 0, 1}, .palette = {10, 20, 30, 40, 50, 60}};
  EXPECT_EQ(decode(test::write_png(p4)).rgb, (std::vector<uint8_t>{40, 50, 60, 10, 20, 30, 40, 50, 60}));
}

TEST(ImageDecode, InterlacedPngEqualsPlain) {
  test::PngSpec s{.width = 9, .height = 7, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_RGB};
  for (int i = 0; i < 9 * 7 * 3; ++i) s.samples.push_back(static_cast<uint16_t>((i * 37) % 256));
  Image plain = decode(test::write_png(s));
  s.interlaced = true;
  EXPECT_EQ(decode(test::write_png(s)).rgb, plain.rgb);
  std::vector<uint8_t> want(s.samples.begin(), s.samples.end());
  EXPECT_EQ(plain.rgb, want);
}

// A 3 x 2 image with distinct pixels (values 1..6 in every channel) under each EXIF
// orientation; the expected grids are the transposes ImageOps.exif_transpose picks.
TEST(ImageDecode, ExifOrientationTransposesPng) {
  const std::vector<std::pair<int, std::vector<int>>> cases = {
      {1, {1, 2, 3, 4, 5, 6}},  // as stored: rows (1 2 3) (4 5 6)
      {2, {3, 2, 1, 6, 5, 4}},  // mirror left-right
      {3, {6, 5, 4, 3, 2, 1}},  // rotate 180
      {4, {4, 5, 6, 1, 2, 3}},  // mirror top-bottom
      {5, {1, 4, 2, 5, 3, 6}},  // transpose: 2 wide, 3 high
      {6, {4, 1, 5, 2, 6, 3}},  // rotate 90 clockwise
      {7, {6, 3, 5, 2, 4, 1}},  // transverse
      {8, {3, 6, 2, 5, 1, 4}},  // rotate 90 counter-clockwise
  };
  for (bool big_endian : {false, true}) {
    for (const auto& [orientation, want] : cases) {
      SCOPED_TRACE(orientation);
      test::PngSpec s{.width = 3, .height = 2, .bit_depth = 8, .color_type = PNG_COLOR_TYPE_GRAY,
                      .samples = {1, 2, 3, 4, 5, 6}, .exif = test::exif_with_orientation(orientation, big_endian)};
      Image im = decode(test::write_png(s));
      EXPECT_EQ(im.width, orientation >= 5 ? 2 : 3);
      EXPECT_EQ(im.height, orientation >= 5 ? 3 : 2);
      std::vector<uint8_t> expected;
      for (int v : want) expected.insert(expected.end(), 3, static_cast<uint8_t>(v));
      EXPECT_EQ(im.rgb, expected);
      ImageDecodeOptions raw;
      raw.apply_exif_orientation = false;
      EXPECT_EQ(decode(test::write_png(s), raw).width, 3);
    }
  }
}

TEST(ImageDecode, JpegGreyCmykAndExif) {
  // Flat blocks at quality 100 decode to exactly the stored values.
  test::JpegSpec g{.width = 8, .height = 8, .components = 1, .samples = std::vector<uint8_t>(64, 77)};
  EXPECT_EQ(decode(test::write_jpeg(g)).rgb, std::vector<uint8_t>(64 * 3, 77));
  // Pillow reads 4-component JPEGs as inverted CMYK ("CMYK;I"): stored (200, 100, 50, 30)
  // becomes C=55 M=155 Y=205 K=225, and cmyk2rgb gives (24, 12, 6).
  test::JpegSpec cmyk{.width = 8, .height = 8, .components = 4, .samples = {}};
  for (int i = 0; i < 64; ++i) cmyk.samples.insert(cmyk.samples.end(), {200, 100, 50, 30});
  Image im = decode(test::write_jpeg(cmyk));
  for (int i = 0; i < 64; ++i) ASSERT_EQ(std::vector<uint8_t>(im.rgb.begin() + i * 3, im.rgb.begin() + i * 3 + 3),
                                         (std::vector<uint8_t>{24, 12, 6}));
  // APP1 "Exif\0\0" + TIFF with orientation 8: 16 x 8 comes out 8 x 16.
  test::JpegSpec r{.width = 16, .height = 8, .components = 3, .samples = std::vector<uint8_t>(16 * 8 * 3, 90)};
  r.app1 = {'E', 'x', 'i', 'f', 0, 0};
  const auto tiff = test::exif_with_orientation(8, true);
  r.app1.insert(r.app1.end(), tiff.begin(), tiff.end());
  Image rotated = decode(test::write_jpeg(r));
  EXPECT_EQ(rotated.width, 8);
  EXPECT_EQ(rotated.height, 16);
}

}  // namespace
}  // namespace cuddle
