// Decode and preprocess throughput: how many images per second cuddle turns from file bytes
// into pixel_values. A synthetic 640x480 photo-like image is encoded once (JPEG quality 90
// with libjpeg, PNG with libpng, in memory) and then decoded repeatedly; the ViT-base
// processor (bilinear resize to 224x224, rescale, normalize) and the CLIP processor
// (bicubic shortest edge 224, center crop) run on the decoded image; the 300 held-out digit
// PNGs give a small-image figure. One thread, as a data loader worker would run.
// usage: image_bench [SECONDS_PER_CASE] [FOLDER]   (prints one JSON object)
// jpeglib.h needs <cstdio> and <cstddef> first.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cuddle/image.h"
#include "cuddle/image_processor.h"

namespace {

using Clock = std::chrono::steady_clock;

// Runs `fn` until `seconds` have passed (at least 3 times); returns runs per second.
double rate(double seconds, const std::function<void()>& fn) {
  fn();  // warm-up
  int runs = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  while (runs < 3 || elapsed < seconds) {
    fn();
    ++runs;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return runs / elapsed;
}

// Smooth gradients plus deterministic noise: compresses like a photo, not like a flat test card.
cuddle::Image synthetic(int w, int h) {
  cuddle::Image im;
  im.width = w;
  im.height = h;
  im.rgb.resize(static_cast<size_t>(w) * h * 3);
  uint32_t seed = 12345;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      seed = seed * 1664525u + 1013904223u;
      const int noise = static_cast<int>(seed >> 28) - 8;
      uint8_t* p = &im.rgb[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(std::clamp(x * 255 / w + noise, 0, 255));
      p[1] = static_cast<uint8_t>(std::clamp(y * 255 / h + noise, 0, 255));
      p[2] = static_cast<uint8_t>(std::clamp(int(128 + 100 * std::sin(x * 0.05 + y * 0.03)) + noise, 0, 255));
    }
  return im;
}

std::vector<uint8_t> encode_jpeg(const cuddle::Image& im, int quality) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(im.width);
  c.image_height = static_cast<JDIMENSION>(im.height);
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(&im.rgb[static_cast<size_t>(c.next_scanline) * im.width * 3]);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  std::vector<uint8_t> out(buf, buf + size);
  jpeg_destroy_compress(&c);
  std::free(buf);
  return out;
}

std::vector<uint8_t> encode_png(const cuddle::Image& im) {
  png_image p{};
  p.version = PNG_IMAGE_VERSION;
  p.width = static_cast<png_uint_32>(im.width);
  p.height = static_cast<png_uint_32>(im.height);
  p.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  png_image_write_to_memory(&p, nullptr, &size, 0, im.rgb.data(), 0, nullptr);
  std::vector<uint8_t> out(size);
  png_image_write_to_memory(&p, out.data(), &size, 0, im.rgb.data(), 0, nullptr);
  out.resize(size);
  return out;
}

// A processor from an inline preprocessor_config.json.
std::unique_ptr<cuddle::ImageProcessor> processor(const std::string& json) {
  const auto path = std::filesystem::temp_directory_path() / "cuddle_image_bench_preprocessor_config.json";
  std::ofstream(path) << json;
  auto p = cuddle::AutoImageProcessor::from_pretrained(path.string());
  std::filesystem::remove(path);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const cuddle::Image photo = synthetic(640, 480);
  const std::vector<uint8_t> jpeg = encode_jpeg(photo, 90), png = encode_png(photo);
  auto vit = processor(R"({"image_processor_type": "ViTImageProcessor", "size": {"height": 224, "width": 224},
                           "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2})");
  auto clip = processor(R"({"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 224},
                            "crop_size": {"height": 224, "width": 224}, "do_center_crop": true, "resample": 3})");
  const double jpeg_rate = rate(seconds, [&] { cuddle::decode_image(jpeg.data(), jpeg.size()); });
  const double png_rate = rate(seconds, [&] { cuddle::decode_image(png.data(), png.size()); });
  const double vit_rate = rate(seconds, [&] { vit->preprocess({photo}); });
  const double clip_rate = rate(seconds, [&] { clip->preprocess({photo}); });
  const double jpeg_vit_rate = rate(seconds, [&] { vit->preprocess({cuddle::decode_image(jpeg.data(), jpeg.size())}); });

  std::printf("{\"image\": \"640x480 synthetic\", \"jpeg_bytes\": %zu, \"png_bytes\": %zu,\n", jpeg.size(), png.size());
  std::printf(" \"decode_jpeg_per_s\": %.1f, \"decode_png_per_s\": %.1f,\n", jpeg_rate, png_rate);
  std::printf(" \"vit224_preprocess_per_s\": %.1f, \"clip224_preprocess_per_s\": %.1f,\n", vit_rate, clip_rate);
  std::printf(" \"jpeg_decode_plus_vit224_per_s\": %.1f", jpeg_vit_rate);
  if (argc > 2) {
    // A folder of small images (the 300 digits): decode + ViT 32x32 preprocess per image.
    std::vector<std::string> files = cuddle::list_images(argv[2]);
    auto small = processor(R"({"image_processor_type": "ViTImageProcessor", "size": {"height": 32, "width": 32},
                               "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2})");
    const double folder_rate = rate(seconds, [&] {
      for (const auto& f : files) small->preprocess({cuddle::load_image(f)});
    });
    std::printf(",\n \"folder\": \"%s\", \"folder_images\": %zu, \"folder_decode_plus_vit32_per_s\": %.1f",
                argv[2], files.size(), folder_rate * double(files.size()));
  }
  std::printf("}\n");
  return 0;
}
