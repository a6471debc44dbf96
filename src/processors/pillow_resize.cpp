// Reproduces Pillow's libImaging/Resample.c as of Pillow 12 (the two-pass convolution with
// 16-bit fixed-point coefficients for 8-bit images) and the ImagingScaleAffine path NEAREST takes (Geometry.c), for RGB
// images (docs/images.md lists the rules). Written from the algorithm; no Pillow code.
#include "processors/pillow_resize.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::processors {
namespace {

// ---- the filters, each with its support radius at scale 1 ----
double box_filter(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= std::numbers::pi;
  // Pillow writes the window's constants as float literals; keep that rounding.
  return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= std::numbers::pi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) { return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0; }

struct Filter {
  double (*weight)(double);
  double support;
};

Filter filter_for(Resample r) {
  switch (r) {
    case Resample::Box: return {box_filter, 0.5};
    case Resample::Bilinear: return {bilinear_filter, 1.0};
    case Resample::Hamming: return {hamming_filter, 1.0};
    case Resample::Bicubic: return {bicubic_filter, 2.0};
    case Resample::Lanczos: return {lanczos_filter, 3.0};
    case Resample::Nearest: break;
  }
  throw ShapeError("resample filter " + std::to_string(static_cast<int>(r)) + " has no convolution kernel");
}

// 8-bit images use 16-bit fixed-point coefficients (Pillow took this from Pillow-SIMD): each
// axis gets the largest precision, at most 22 bits, at which its largest coefficient still
// fits in 15 bits. The accumulator starts at half a unit and is shifted back by that
// precision, so the rounding depends on the scale, as in Pillow.
constexpr int kMaxPrecisionBits = 32 - 8 - 2;
constexpr int kMaxCoefficientBits = 16 - 1;

// For each output position along one axis: the first input index, the number of inputs and
// their fixed-point weights (ksize slots per output), scaled by 2^precision.
struct Coefficients {
  int ksize = 0;
  int precision = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

int coefficient_precision(const std::vector<double>& weights) {
  const double largest = *std::max_element(weights.begin(), weights.end());
  int precision = 0;
  while (precision < kMaxPrecisionBits &&
         static_cast<int>(0.5 + largest * (1 << (precision + 1))) < (1 << kMaxCoefficientBits))
    ++precision;
  return precision;
}

Coefficients precompute_coefficients(int in_size, int out_size, const Filter& filter) {
  // Pillow's box is float[4]; the full box is (0, in_size).
  const double scale = static_cast<double>(static_cast<float>(in_size)) / out_size;
  const double filterscale = std::max(scale, 1.0);  // widen the kernel when downscaling
  const double support = filter.support * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  std::vector<double> normalized(static_cast<size_t>(out_size) * c.ksize, 0.0);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double* k = &normalized[static_cast<size_t>(xx) * c.ksize];
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = filter.weight((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    if (ww != 0.0)
      for (int x = 0; x < xmax; ++x) k[x] /= ww;
    c.first[xx] = xmin;
    c.count[xx] = std::max(xmax, 0);
  }
  c.precision = coefficient_precision(normalized);
  c.weights.reserve(normalized.size());
  for (double w : normalized) {
    const double fixed = w * (1 << c.precision);
    c.weights.push_back(static_cast<int32_t>(w < 0 ? -0.5 + fixed : 0.5 + fixed));
  }
  return c;
}

uint8_t clip8(int32_t acc, int precision) { return static_cast<uint8_t>(std::clamp(acc >> precision, 0, 255)); }

// Resamples rows [row_begin, row_end) of `in` horizontally into `out` (width c.first.size()).
Image resample_horizontal(const Image& in, int64_t row_begin, int64_t row_end, const Coefficients& c) {
  Image out;
  out.width = static_cast<int64_t>(c.first.size());
  out.height = row_end - row_begin;
  out.rgb.resize(static_cast<size_t>(out.width * out.height * 3));
  for (int64_t y = 0; y < out.height; ++y) {
    const uint8_t* src = &in.rgb[static_cast<size_t>((y + row_begin) * in.width * 3)];
    uint8_t* dst = &out.rgb[static_cast<size_t>(y * out.width * 3)];
    for (int64_t xx = 0; xx < out.width; ++xx) {
      const int32_t* k = &c.weights[static_cast<size_t>(xx) * c.ksize];
      const uint8_t* s = src + static_cast<size_t>(c.first[xx]) * 3;
      const int32_t half = 1 << (c.precision - 1);
      int32_t acc[3] = {half, half, half};
      for (int x = 0; x < c.count[xx]; ++x)
        for (int ch = 0; ch < 3; ++ch) acc[ch] += s[x * 3 + ch] * k[x];
      for (int ch = 0; ch < 3; ++ch) dst[xx * 3 + ch] = clip8(acc[ch], c.precision);
    }
  }
  return out;
}

// Resamples `in` vertically; coefficient rows are relative to `row_offset` in the source.
Image resample_vertical(const Image& in, int row_offset, const Coefficients& c) {
  Image out;
  out.width = in.width;
  out.height = static_cast<int64_t>(c.first.size());
  out.rgb.resize(static_cast<size_t>(out.width * out.height * 3));
  const size_t stride = static_cast<size_t>(in.width) * 3;
  for (int64_t yy = 0; yy < out.height; ++yy) {
    const int32_t* k = &c.weights[static_cast<size_t>(yy) * c.ksize];
    const uint8_t* src = &in.rgb[static_cast<size_t>(c.first[yy] - row_offset) * stride];
    uint8_t* dst = &out.rgb[static_cast<size_t>(yy) * stride];
    for (size_t i = 0; i < stride; ++i) {
      int32_t acc = 1 << (c.precision - 1);
      for (int y = 0; y < c.count[yy]; ++y) acc += src[y * stride + i] * k[y];
      dst[i] = clip8(acc, c.precision);
    }
  }
  return out;
}

// NEAREST: Pillow's affine scaler steps the source position by repeated addition from the
// first pixel centre and truncates it; positions that land outside stay black.
Image nearest_resize(const Image& in, int64_t width, int64_t height) {
  Image out;
  out.width = width;
  out.height = height;
  out.rgb.assign(static_cast<size_t>(width * height * 3), 0);
  const double ax = static_cast<double>(static_cast<float>(in.width)) / width;
  const double ay = static_cast<double>(static_cast<float>(in.height)) / height;
  auto coord = [](double v) { return v < 0.0 ? int64_t{-1} : static_cast<int64_t>(v); };
  std::vector<int64_t> xin(width);
  double xo = ax * 0.5;
  for (int64_t x = 0; x < width; ++x, xo += ax) xin[x] = coord(xo);
  double yo = ay * 0.5;
  for (int64_t y = 0; y < height; ++y, yo += ay) {
    const int64_t yi = coord(yo);
    if (yi < 0 || yi >= in.height) continue;
    for (int64_t x = 0; x < width; ++x) {
      if (xin[x] < 0 || xin[x] >= in.width) continue;
      const uint8_t* s = &in.rgb[static_cast<size_t>((yi * in.width + xin[x]) * 3)];
      std::copy(s, s + 3, &out.rgb[static_cast<size_t>((y * width + x) * 3)]);
    }
  }
  return out;
}

}  // namespace

Image pillow_resize(const Image& in, int64_t width, int64_t height, Resample resample) {
  if (width <= 0 || height <= 0 || width > INT32_MAX || height > INT32_MAX)
    throw ShapeError("resize: target size " + std::to_string(width) + "x" + std::to_string(height) +
                     " must be positive");
  if (in.width <= 0 || in.height <= 0 || in.rgb.size() != static_cast<size_t>(in.width * in.height * 3))
    throw ShapeError("resize: input image of " + std::to_string(in.width) + "x" + std::to_string(in.height) +
                     " with " + std::to_string(in.rgb.size()) + " bytes is not a valid RGB image");
  if (width == in.width && height == in.height) return in;  // Image.resize returns a copy
  if (resample == Resample::Nearest) return nearest_resize(in, width, height);

  const Filter filter = filter_for(resample);
  const Coefficients horiz = precompute_coefficients(static_cast<int>(in.width), static_cast<int>(width), filter);
  const Coefficients vert = precompute_coefficients(static_cast<int>(in.height), static_cast<int>(height), filter);
  if (width == in.width) return resample_vertical(in, 0, vert);
  // Only the source rows the vertical pass reads go through the horizontal pass.
  const int row_first = vert.first.front();
  const int row_last = vert.first.back() + vert.count.back();
  Image tmp = resample_horizontal(in, row_first, row_last, horiz);
  if (height == in.height) return tmp;
  return resample_vertical(tmp, row_first, vert);
}

}  // namespace cuddle::processors
