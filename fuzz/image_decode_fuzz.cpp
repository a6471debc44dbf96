// decode_image on arbitrary bytes (PNG and JPEG, sniffed): must return an image whose
// buffer matches its size, or throw cuddle::Error; never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cuddle/error.h"
#include "cuddle/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cuddle::ImageDecodeOptions options;
  // Keeps the pixel buffers within libFuzzer's RSS limit; the header check itself is what
  // large claimed sizes exercise.
  options.max_pixels = 1 << 22;
  try {
    cuddle::Image image = cuddle::decode_image(data, size, options);
    if (image.width <= 0 || image.height <= 0 ||
        image.rgb.size() != static_cast<size_t>(image.width * image.height * 3))
      std::abort();
  } catch (const cuddle::Error&) {
  }
  return 0;
}
