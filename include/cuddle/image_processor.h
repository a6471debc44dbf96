// Image processors: transformers' "slow" (PIL-based) ViT / CLIP / ConvNext / DETR image
// processors, reproducing their pixel_values to float32 rounding (docs/images.md).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/image.h"
#include "cuddle/tensor.h"

namespace cuddle {

struct ImageBatch {
  Tensor pixel_values;  // [B, 3, H, W] f32
  Tensor pixel_mask;    // [B, H, W] i64, 1 = real pixel; only from processors that pad (DETR), else undefined
  std::vector<std::pair<int64_t, int64_t>> original_sizes;  // (height, width) of each input image
};

// A size entry of preprocessor_config.json ("size", "crop_size") as transformers'
// get_size_dict normalises it; 0 marks a key that is absent.
struct ImageSizeSpec {
  int64_t height = 0, width = 0;
  int64_t shortest_edge = 0, longest_edge = 0;
  int64_t max_height = 0, max_width = 0;
};

// The settings an image processor runs with: the config's values, transformers' class
// defaults for absent keys. Unknown keys are ignored, as transformers keeps and ignores them.
struct ImageProcessorConfig {
  std::string class_name;  // the implementing class: "ViTImageProcessor", "CLIPImageProcessor", ...
  bool do_resize = true, do_rescale = true, do_normalize = true;
  bool do_center_crop = false;  // CLIP
  bool do_convert_rgb = false;  // decoded Images are RGB already; kept for callers that ask
  bool do_pad = false;          // DETR: pad the batch to its largest H and W, with pixel_mask
  ImageSizeSpec size, crop_size;
  int resample = 2;  // PIL.Image.Resampling: 0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING
  double rescale_factor = 1.0 / 255;
  std::vector<double> image_mean, image_std;  // 3 values
  double crop_pct = 0;  // ConvNext: shortest_edge < 384 resizes to shortest_edge / crop_pct, then crops
};

class ImageProcessor {
 public:
  virtual ~ImageProcessor() = default;
  // Throws ShapeError for an invalid image, or when images end up with different sizes and
  // the processor does not pad.
  virtual ImageBatch preprocess(const std::vector<Image>& images) const = 0;
  const std::string& class_name() const { return config_.class_name; }
  const ImageProcessorConfig& config() const { return config_; }

 protected:
  explicit ImageProcessor(ImageProcessorConfig config) : config_(std::move(config)) {}
  ImageProcessorConfig config_;
};

struct AutoImageProcessor {
  // A model folder or a JSON file: preprocessor_config.json, or processor_config.json's
  // "image_processor" entry (CLIP models ship only the latter). The class comes from
  // "image_processor_type" (the "...Fast" names map to the same implementation), an old
  // "feature_extractor_type", or else config.json's model_type. Errors name the file and key.
  // A Hub repo id is resolved through the huggingface_hub cache at `revision`
  // (hub::resolve_pretrained), as every from_pretrained does.
  static std::unique_ptr<ImageProcessor> from_pretrained(const std::string& name_or_path,
                                                         const std::string& revision = "main");
};

}  // namespace cuddle
