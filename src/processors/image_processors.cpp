// ViT / CLIP / ConvNext / DETR: transformers' slow processors run the same steps in the same
// order (resize and crop on the uint8 image through PIL, then rescale and normalize in
// float32, then stack or pad); they differ only in the geometry, which each class supplies.
#include "processors/image_processors.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "cuddle/error.h"
#include "processors/image_transforms.h"
#include "processors/pillow_resize.h"

namespace cuddle::processors {
namespace {

std::string size_str(const std::pair<int64_t, int64_t>& hw) {
  return std::to_string(hw.first) + "x" + std::to_string(hw.second);
}

class PillowImageProcessor : public ImageProcessor {
 public:
  explicit PillowImageProcessor(ImageProcessorConfig config) : ImageProcessor(std::move(config)) {}

  ImageBatch preprocess(const std::vector<Image>& images) const override {
    ImageBatch batch;
    std::vector<Image> prepared;
    prepared.reserve(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      const Image& im = images[i];
      if (im.width <= 0 || im.height <= 0 || im.rgb.size() != static_cast<size_t>(im.width * im.height * 3))
        throw ShapeError(class_name() + ": image " + std::to_string(i) + " of " + std::to_string(im.width) + "x" +
                         std::to_string(im.height) + " with " + std::to_string(im.rgb.size()) +
                         " bytes is not an RGB image");
      batch.original_sizes.emplace_back(im.height, im.width);
      prepared.push_back(geometry(im));
    }
    int64_t H = 0, W = 0;
    for (const Image& im : prepared) {
      H = std::max(H, im.height);
      W = std::max(W, im.width);
    }
    for (size_t i = 0; i < prepared.size() && !config_.do_pad; ++i)
      if (prepared[i].height != H || prepared[i].width != W)
        throw ShapeError(class_name() + ": images come out at different sizes (" +
                         size_str({prepared[i].height, prepared[i].width}) + " and " + size_str({H, W}) +
                         ") and this processor does not pad; enable do_resize to batch them");
    const auto B = static_cast<int64_t>(prepared.size());
    batch.pixel_values = Tensor::zeros({B, 3, H, W});  // padding is 0 after normalization
    float* values = batch.pixel_values.data<float>();
    for (int64_t b = 0; b < B; ++b) rescale_normalize_chw(prepared[b], config_, values + b * 3 * H * W, H, W);
    if (config_.do_pad) {
      batch.pixel_mask = Tensor::zeros({B, H, W}, DType::I64);
      int64_t* mask = batch.pixel_mask.data<int64_t>();
      for (int64_t b = 0; b < B; ++b)
        for (int64_t y = 0; y < prepared[b].height; ++y)
          std::fill_n(mask + (b * H + y) * W, prepared[b].width, int64_t{1});
    }
    return batch;
  }

 protected:
  // The resize / crop steps of the class, on the uint8 image.
  virtual Image geometry(const Image& image) const = 0;

  Image resize(const Image& image, std::pair<int64_t, int64_t> hw) const {
    return pillow_resize(image, hw.second, hw.first, static_cast<Resample>(config_.resample));
  }
  [[noreturn]] void bad_size(const char* expected) const {
    throw FormatError(class_name() + ": \"size\" must hold " + expected);
  }
};

class ViTImageProcessor : public PillowImageProcessor {
 public:
  using PillowImageProcessor::PillowImageProcessor;

 private:
  Image geometry(const Image& image) const override {
    if (!config_.do_resize) return image;
    const ImageSizeSpec& s = config_.size;
    if (!s.height || !s.width) bad_size("height and width");
    return resize(image, {s.height, s.width});
  }
};

class CLIPImageProcessor : public PillowImageProcessor {
 public:
  using PillowImageProcessor::PillowImageProcessor;

 private:
  Image geometry(const Image& image) const override {
    Image out = image;
    if (config_.do_resize) {
      const ImageSizeSpec& s = config_.size;
      if (s.shortest_edge) out = resize(out, shortest_edge_size(out.height, out.width, s.shortest_edge));
      else if (s.height && s.width) out = resize(out, {s.height, s.width});
      else bad_size("shortest_edge, or height and width");
    }
    if (config_.do_center_crop) {
      if (!config_.crop_size.height || !config_.crop_size.width)
        throw FormatError(class_name() + ": \"crop_size\" must hold height and width");
      out = center_crop(out, config_.crop_size.height, config_.crop_size.width);
    }
    return out;
  }
};

class ConvNextImageProcessor : public PillowImageProcessor {
 public:
  using PillowImageProcessor::PillowImageProcessor;

 private:
  Image geometry(const Image& image) const override {
    if (!config_.do_resize) return image;
    const int64_t edge = config_.size.shortest_edge;
    if (!edge) bad_size("shortest_edge");
    // Below 384 the model was evaluated on a centre crop of a larger resize (crop_pct);
    // from 384 on the image is warped to a square without cropping.
    if (edge >= 384) return resize(image, {edge, edge});
    const auto resize_edge = static_cast<int64_t>(edge / config_.crop_pct);
    return center_crop(resize(image, shortest_edge_size(image.height, image.width, resize_edge)), edge, edge);
  }
};

class DetrImageProcessor : public PillowImageProcessor {
 public:
  using PillowImageProcessor::PillowImageProcessor;

 private:
  Image geometry(const Image& image) const override {
    if (!config_.do_resize) return image;
    const ImageSizeSpec& s = config_.size;
    if (s.shortest_edge && s.longest_edge)
      return resize(image, detr_resize_size(image.height, image.width, s.shortest_edge, s.longest_edge));
    if (s.max_height && s.max_width)
      return resize(image, max_height_width_size(image.height, image.width, s.max_height, s.max_width));
    if (s.height && s.width) return resize(image, {s.height, s.width});
    bad_size("shortest_edge and longest_edge, max_height and max_width, or height and width");
  }
};

}  // namespace

std::string implementing_class(const std::string& type) {
  static const std::array<const char*, 4> kClasses = {"ViTImageProcessor", "CLIPImageProcessor",
                                                      "ConvNextImageProcessor", "DetrImageProcessor"};
  for (const char* name : kClasses) {
    const std::string n = name;
    if (type == n || type == n + "Fast") return n;
  }
  return "";
}

std::unique_ptr<ImageProcessor> make_image_processor(ImageProcessorConfig config) {
  const std::string name = config.class_name;
  if (name == "ViTImageProcessor") return std::make_unique<ViTImageProcessor>(std::move(config));
  if (name == "CLIPImageProcessor") return std::make_unique<CLIPImageProcessor>(std::move(config));
  if (name == "ConvNextImageProcessor") return std::make_unique<ConvNextImageProcessor>(std::move(config));
  if (name == "DetrImageProcessor") return std::make_unique<DetrImageProcessor>(std::move(config));
  throw Error("no image processor implementation named " + name);
}

}  // namespace cuddle::processors
