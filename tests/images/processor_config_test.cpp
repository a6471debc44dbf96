// Reading image processor settings: transformers' class defaults, the "...Fast" names,
// legacy keys, type errors naming the key, and the steps' behaviour on edge cases (crop
// larger than the image, batches of different sizes).
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/error.h"
#include "cuddle/image_processor.h"
#include "test_util.h"

namespace cuddle {
namespace {

std::unique_ptr<ImageProcessor> from_json(const test::TempDir& dir, const std::string& json,
                                           const std::string& name = "preprocessor_config.json") {
  test::write_file(dir / name, json);
  return AutoImageProcessor::from_pretrained(dir / name);
}

std::string load_error(const std::string& json) {
  test::TempDir dir;
  try {
    from_json(dir, json);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageProcessorConfig, ClassDefaultsAndFastNames) {
  test::TempDir dir;
  auto vit = from_json(dir, R"({"image_processor_type": "ViTImageProcessorFast", "some_future_key": [1, 2]})");
  EXPECT_EQ(vit->class_name(), "ViTImageProcessor");
  EXPECT_EQ(vit->config().size.height, 224);
  EXPECT_EQ(vit->config().resample, 2);
  EXPECT_EQ(vit->config().image_mean, (std::vector<double>{0.5, 0.5, 0.5}));
  auto clip = from_json(dir, R"({"image_processor_type": "CLIPImageProcessor", "size": 64, "crop_size": 48})");
  EXPECT_EQ(clip->config().size.shortest_edge, 64);
  EXPECT_EQ(clip->config().crop_size.width, 48);
  EXPECT_EQ(clip->config().resample, 3);
  EXPECT_TRUE(clip->config().do_center_crop);
  auto convnext = from_json(dir, R"({"image_processor_type": "ConvNextImageProcessor"})");
  EXPECT_EQ(convnext->config().size.shortest_edge, 384);
  EXPECT_DOUBLE_EQ(convnext->config().crop_pct, 0.875);
  // Old DETR feature extractor configs: an int size plus max_size.
  auto detr = from_json(dir, R"({"feature_extractor_type": "DetrFeatureExtractor", "size": 800, "max_size": 1000})");
  EXPECT_EQ(detr->class_name(), "DetrImageProcessor");
  EXPECT_EQ(detr->config().size.shortest_edge, 800);
  EXPECT_EQ(detr->config().size.longest_edge, 1000);
  EXPECT_TRUE(detr->config().do_pad);
  EXPECT_EQ(detr->config().image_std, (std::vector<double>{0.229, 0.224, 0.225}));
}

TEST(ImageProcessorConfig, ModelTypeFallbackAndProcessorConfig) {
  test::TempDir dir;
  test::write_file(dir / "config.json", R"({"model_type": "resnet"})");
  test::write_file(dir / "preprocessor_config.json", R"({"size": {"shortest_edge": 224}})");
  EXPECT_EQ(AutoImageProcessor::from_pretrained(dir.path())->class_name(), "ConvNextImageProcessor");
  test::TempDir nested;
  test::write_file(nested / "processor_config.json",
                   R"({"processor_class": "CLIPProcessor", "image_processor": {"image_processor_type": "CLIPImageProcessor", "crop_size": {"height": 20, "width": 30}}})");
  auto p = AutoImageProcessor::from_pretrained(nested.path());
  EXPECT_EQ(p->config().crop_size.width, 30);
  test::TempDir empty;
  EXPECT_THROW(AutoImageProcessor::from_pretrained(empty.path()), IoError);
}

TEST(ImageProcessorConfig, WrongTypesNameTheKey) {
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "do_resize": "yes"})").find("\"do_resize\": expected true or false"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "size": "big"})").find("\"size\""), std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "size": {"height": 0, "width": 3}})").find("\"size.height\": expected a positive integer"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "size": {"height": 3}})").find("\"size\""), std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "image_mean": [0.5, 0.5]})").find("\"image_mean\": expected a list of 3 numbers"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "resample": 9})").find("\"resample\""), std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ViTImageProcessor", "rescale_factor": "1/255"})").find("\"rescale_factor\": expected a number"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "ConvNextImageProcessor", "crop_pct": 0})").find("\"crop_pct\""), std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": 3})").find("\"image_processor_type\": expected a string"), std::string::npos);
  EXPECT_NE(load_error(R"({"image_processor_type": "SiglipImageProcessor"})").find("SiglipImageProcessor is not supported"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"do_resize": true})").find("no \"image_processor_type\""), std::string::npos);
  EXPECT_NE(load_error("[1, 2]").find("expected a JSON object"), std::string::npos);
}

// A crop larger than the image pads with zeros (before rescale / normalize), placing the
// image at ceil(extra / 2): a 10x6 image cropped to 8x8 keeps columns 1..8 and gains a
// zero row above and below.
TEST(ImageProcessorConfig, CenterCropPadsSmallImages) {
  test::TempDir dir;
  auto clip = from_json(dir, R"({"image_processor_type": "CLIPImageProcessor", "do_resize": false,
      "crop_size": {"height": 8, "width": 8}, "do_normalize": false})");
  Image im{10, 6, std::vector<uint8_t>(10 * 6 * 3)};
  for (size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = static_cast<uint8_t>(1 + i % 200);
  ImageBatch b = clip->preprocess({im});
  ASSERT_EQ(b.pixel_values.shape(), (Shape{1, 3, 8, 8}));
  const float* v = b.pixel_values.data<float>();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < 8; ++y)
      for (int64_t x = 0; x < 8; ++x) {
        const bool inside = y >= 1 && y <= 6;
        const float want = inside ? static_cast<float>(im.rgb[((y - 1) * 10 + x + 1) * 3 + c] * (1.0 / 255)) : 0.0f;
        ASSERT_EQ(v[(c * 8 + y) * 8 + x], want) << c << " " << y << " " << x;
      }
}

TEST(ImageProcessorConfig, BatchesOfDifferentSizesNeedResizeOrPad) {
  test::TempDir dir;
  auto vit = from_json(dir, R"({"image_processor_type": "ViTImageProcessor", "do_resize": false})");
  Image a{4, 4, std::vector<uint8_t>(48, 1)}, b{5, 4, std::vector<uint8_t>(60, 1)};
  EXPECT_THROW(vit->preprocess({a, b}), ShapeError);
  EXPECT_THROW(vit->preprocess({Image{3, 3, std::vector<uint8_t>(5)}}), ShapeError);
  EXPECT_EQ(vit->preprocess({a, a}).pixel_values.shape(), (Shape{2, 3, 4, 4}));
  // Normalization alone, in float32: (0.003921569 - 0.5) / 0.5.
  EXPECT_FLOAT_EQ(vit->preprocess({a}).pixel_values.data<float>()[0],
                  (static_cast<float>(1 / 255.0) - 0.5f) / 0.5f);
}

}  // namespace
}  // namespace cuddle
