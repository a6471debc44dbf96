// Pillow's resize on its own: hand-computed bilinear / box / nearest cases, invariants every
// filter keeps (identity, flat images, mirror symmetry, rows vs columns) and errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "cuddle/error.h"
#include "processors/pillow_resize.h"

namespace cuddle::processors {
namespace {

const Resample kAll[] = {Resample::Nearest, Resample::Lanczos, Resample::Bilinear,
                         Resample::Bicubic, Resample::Box,     Resample::Hamming};
const Resample kConvolutions[] = {Resample::Lanczos, Resample::Bilinear, Resample::Bicubic, Resample::Box,
                                  Resample::Hamming};

Image grey_image(int64_t w, int64_t h, const std::vector<int>& values) {
  Image im{w, h, {}};
  for (int v : values) im.rgb.insert(im.rgb.end(), 3, static_cast<uint8_t>(v));
  return im;
}

std::vector<int> red_channel(const Image& im) {
  std::vector<int> out;
  for (size_t i = 0; i < im.rgb.size(); i += 3) out.push_back(im.rgb[i]);
  return out;
}

Image pattern(int64_t w, int64_t h) {
  Image im{w, h, std::vector<uint8_t>(static_cast<size_t>(w * h * 3))};
  for (size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = static_cast<uint8_t>((i * 97 + i / 7 * 13) % 256);
  return im;
}

Image transpose(const Image& in) {
  Image out{in.height, in.width, std::vector<uint8_t>(in.rgb.size())};
  for (int64_t y = 0; y < in.height; ++y)
    for (int64_t x = 0; x < in.width; ++x)
      std::copy_n(&in.rgb[(y * in.width + x) * 3], 3, &out.rgb[(x * out.width + y) * 3]);
  return out;
}

Image mirror(const Image& in) {
  Image out = in;
  for (int64_t y = 0; y < in.height; ++y)
    for (int64_t x = 0; x < in.width; ++x)
      std::copy_n(&in.rgb[(y * in.width + x) * 3], 3, &out.rgb[(y * in.width + in.width - 1 - x) * 3]);
  return out;
}

// Upscaling [0, 255] to 4 pixels: centres at 0.25, 0.75, 1.25, 1.75 source pixels give
// weights (1), (0.75, 0.25), (0.25, 0.75), (1); 255 * 0.25 = 63.75 rounds to 64 in fixed
// point, 191.25 to 191.
TEST(PillowResize, BilinearUpscaleByHand) {
  EXPECT_EQ(red_channel(pillow_resize(grey_image(2, 1, {0, 255}), 4, 1, Resample::Bilinear)),
            (std::vector<int>{0, 64, 191, 255}));
}

// Halving with BOX averages pairs.
TEST(PillowResize, BoxDownscaleAveragesPairs) {
  EXPECT_EQ(red_channel(pillow_resize(grey_image(4, 1, {10, 20, 30, 41}), 2, 1, Resample::Box)),
            (std::vector<int>{15, 36}));
}

// NEAREST samples at the truncated pixel centres: 3 -> 2 takes columns 0 and 2; 2 -> 5
// takes 0, 0, 1, 1, 1.
TEST(PillowResize, NearestPicksPixelCentres) {
  EXPECT_EQ(red_channel(pillow_resize(grey_image(3, 1, {1, 2, 3}), 2, 1, Resample::Nearest)),
            (std::vector<int>{1, 3}));
  EXPECT_EQ(red_channel(pillow_resize(grey_image(2, 1, {7, 9}), 5, 1, Resample::Nearest)),
            (std::vector<int>{7, 7, 9, 9, 9}));
}

TEST(PillowResize, SameSizeIsACopy) {
  const Image im = pattern(13, 9);
  for (Resample r : kAll) EXPECT_EQ(pillow_resize(im, 13, 9, r).rgb, im.rgb);
}

TEST(PillowResize, FlatImagesStayFlat) {
  Image flat{37, 23, {}};
  for (int i = 0; i < 37 * 23; ++i) flat.rgb.insert(flat.rgb.end(), {200, 3, 117});
  for (Resample r : kAll) {
    for (auto [w, h] : {std::pair{5, 4}, std::pair{80, 61}, std::pair{37, 7}, std::pair{1, 1}}) {
      Image out = pillow_resize(flat, w, h, r);
      ASSERT_EQ(out.rgb.size(), static_cast<size_t>(w * h * 3));
      for (size_t i = 0; i < out.rgb.size(); i += 3)
        ASSERT_EQ((std::vector<int>{out.rgb[i], out.rgb[i + 1], out.rgb[i + 2]}), (std::vector<int>{200, 3, 117}))
            << static_cast<int>(r) << " " << w << "x" << h;
    }
  }
}

// The filters are symmetric (BOX only up to its half-open interval), and the vertical pass is the horizontal one on columns (only
// when the other axis keeps its size: with both passes, the 8-bit intermediate image makes
// the order matter, which is why Pillow's horizontal-first order is kept).
TEST(PillowResize, MirrorAndTransposeInvariants) {
  const Image im = pattern(31, 17);
  for (Resample r : kConvolutions) {
    for (auto [w, h] : {std::pair{12, 17}, std::pair{31, 40}, std::pair{9, 5}, std::pair{70, 3}}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(r)) + " " + std::to_string(w) + "x" + std::to_string(h));
      if (r != Resample::Box) {
        EXPECT_EQ(pillow_resize(mirror(im), w, h, r).rgb, mirror(pillow_resize(im, w, h, r)).rgb);
      }
      if (w == im.width || h == im.height) {
        EXPECT_EQ(pillow_resize(transpose(im), h, w, r).rgb, transpose(pillow_resize(im, w, h, r)).rgb);
      }
    }
  }
}

// Bicubic and Lanczos overshoot on a hard edge; the result is clipped, not wrapped.
TEST(PillowResize, OvershootIsClipped) {
  const Image step = grey_image(6, 1, {0, 0, 0, 255, 255, 255});
  for (Resample r : {Resample::Bicubic, Resample::Lanczos}) {
    std::vector<int> up = red_channel(pillow_resize(step, 24, 1, r));
    EXPECT_EQ(up.front(), 0);
    EXPECT_EQ(up.back(), 255);
  }
}

TEST(PillowResize, Errors) {
  const Image im = pattern(4, 4);
  EXPECT_THROW(pillow_resize(im, 0, 4, Resample::Bilinear), ShapeError);
  EXPECT_THROW(pillow_resize(im, 4, -1, Resample::Nearest), ShapeError);
  EXPECT_THROW(pillow_resize(Image{4, 4, std::vector<uint8_t>(5)}, 2, 2, Resample::Bicubic), ShapeError);
  EXPECT_THROW(pillow_resize(Image{}, 2, 2, Resample::Box), ShapeError);
}

}  // namespace
}  // namespace cuddle::processors
