// digits-vit, a real ViT (patch 4, 3 layers) trained on sklearn's digits: on all 300
// held-out 32x32 images cuddle predicts transformers' label with its softmax score within
// 1e-4 (heldout_metrics.json), and the accuracy is transformers' 0.9633. The images are
// already the model's size, so ViTImageProcessor's resize is the identity and the pixels
// are (v / 255 - 0.5) / 0.5; the PNGs are decoded here with libpng (test-only, until the
// io layer's image decoder lands).
#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "test_util.h"

using namespace cuddle;

namespace {

// An 8-bit RGB PNG of 32 x 32 pixels as normalised pixel_values [3, 32, 32] into dst.
void load_digit(const std::string& path, float* dst) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&image, path.c_str())) << path << ": " << image.message;
  image.format = PNG_FORMAT_RGB;
  ASSERT_EQ(image.width, 32u) << path;
  ASSERT_EQ(image.height, 32u) << path;
  std::vector<unsigned char> rgb(PNG_IMAGE_SIZE(image));
  ASSERT_TRUE(png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) << path;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 32 * 32; ++i)
      dst[c * 1024 + i] = static_cast<float>((rgb[3 * i + c] * (1.0 / 255.0) - 0.5) / 0.5);
}

}  // namespace

TEST(DigitsViT, MatchesTransformersOnAllHeldOutImages) {
  const std::string dir = test::fixture("real/models/digits-vit");
  auto model = load_model_from_architectures(dir);
  const auto metrics = nlohmann::json::parse(test::read_file(dir + "/heldout_metrics.json"));
  std::vector<std::pair<std::string, std::string>> files;  // file, true label
  std::ifstream labels(test::fixture("real/data/digits_test/labels.jsonl"));
  for (std::string line; std::getline(labels, line);)
    if (!line.empty()) {
      auto j = nlohmann::json::parse(line);
      files.emplace_back(j["file"], j["label"]);
    }
  ASSERT_EQ(files.size(), 300u);

  ModelInputs in;
  in.pixel_values = Tensor::empty({static_cast<int64_t>(files.size()), 3, 32, 32});
  for (size_t i = 0; i < files.size(); ++i)
    load_digit(test::fixture("real/data/digits_test/" + files[i].first),
               in.pixel_values.data<float>() + i * 3 * 32 * 32);
  const auto probs = ops::softmax(model->forward(in, false).get("logits")).to_float_vector();

  int correct = 0;
  double worst = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const float* p = probs.data() + i * 10;
    const int best = static_cast<int>(std::max_element(p, p + 10) - p);
    const std::string label = model->config().id2label.at(best);
    const auto& expected = metrics["predictions"][files[i].first];
    EXPECT_EQ(label, expected[0].get<std::string>()) << files[i].first;
    const double d = std::fabs(p[best] - expected[1].get<double>());
    EXPECT_LT(d, 1e-4) << files[i].first;
    worst = std::max(worst, d);
    correct += label == files[i].second;
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(files.size());
  std::printf("digits-vit: 300 held-out images, score max abs diff %.3g, accuracy %.4f\n", worst,
              accuracy);
  EXPECT_NEAR(accuracy, metrics["accuracy"].get<double>(), 1e-9);
}
