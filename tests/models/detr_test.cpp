// DETR: parity with transformers 5.17 on the vendored detr-objdet fixture (logits,
// pred_boxes, last_hidden_state per image within 1e-4), the pixel mask, and config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "models/detr/detr_position.h"
#include "models/image_reference.h"
#include "test_util.h"

using namespace cuddle;

namespace {
constexpr double kTolerance = 1e-4;

// A copy of the detr-objdet folder with config.json edited by `edit`.
std::string edited_fixture(const test::TempDir& dir, void (*edit)(nlohmann::json&)) {
  const std::string src = test::fixture("models/detr-objdet");
  auto j = nlohmann::json::parse(test::read_file(src + "/config.json"));
  edit(j);
  test::write_file(dir / "config.json", j.dump());
  std::filesystem::copy_file(src + "/model.safetensors", dir / "model.safetensors");
  return dir.path();
}
}  // namespace

TEST(Detr, ObjectDetectionMatchesTransformers) {
  const std::string dir = test::fixture("models/detr-objdet");
  auto model = load_model_from_architectures(dir);
  EXPECT_EQ(model->class_name(), "DetrForObjectDetection");
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  EXPECT_EQ(test::reference_images(ref).size(), 7u);
  const double d = test::check_image_outputs(*model, ref, {"logits", "pred_boxes", "last_hidden_state"},
                                             kTolerance);
  std::printf("detr-objdet: max abs diff %.3g\n", d);
}

TEST(Detr, BaseModelMatchesTheHeadModelsDecoderOutput) {
  const std::string dir = test::fixture("models/detr-objdet");
  auto base = AutoModel::from_pretrained(dir);  // strips model., drops the heads
  EXPECT_EQ(base->class_name(), "DetrModel");
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  ModelInputs in;
  in.pixel_values = ref.tensor("noise_50x70.png:pixel_values").unsqueeze(0);
  auto out = base->forward(in);
  const auto got = out.get("last_hidden_state").to_float_vector();
  const auto want = ref.tensor("noise_50x70.png:last_hidden_state").to_float_vector();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], kTolerance);
  // 44x32 pixels -> stride 32 backbone -> 2x1 cells; one encoder and one decoder layer.
  EXPECT_EQ(out.get("encoder_last_hidden_state").shape(), (Shape{1, 2, 16}));
  EXPECT_TRUE(out.contains("encoder_hidden_states.1"));
  EXPECT_EQ(out.get("decoder_hidden_states.1").shape(), (Shape{1, 10, 16}));
  EXPECT_FALSE(out.contains("decoder_hidden_states.2"));
}

// Two images in one batch: each row equals its single-image reference; an all-ones mask
// equals no mask; masking part of one image changes that image's outputs only (the
// fixture has no masked reference from transformers, so the mask's values are covered by
// the sine-embedding and interpolation semantics, not by a stored tensor).
TEST(Detr, PixelMaskAndBatching) {
  const std::string dir = test::fixture("models/detr-objdet");
  auto model = load_model_from_architectures(dir);
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  const Tensor a = ref.tensor("scene_80x60.jpg:pixel_values");    // [3, 32, 42]
  const Tensor b = ref.tensor("gradient_64x48.png:pixel_values");  // [3, 32, 42]
  Tensor batch = Tensor::zeros({2, 3, 32, 42});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < 32; ++y)
      for (int64_t x = 0; x < 42; ++x) {
        float* p = batch.data<float>();
        p[((0 * 3 + c) * 32 + y) * 42 + x] = float(a.item_as_double({c, y, x}));
        p[((1 * 3 + c) * 32 + y) * 42 + x] = float(b.item_as_double({c, y, x}));
      }
  ModelInputs in;
  in.pixel_values = batch;
  auto unmasked = model->forward(in, false).get("logits").to_float_vector();
  in.pixel_mask = Tensor::full({2, 32, 42}, 1.0f).to(DType::I64);
  EXPECT_EQ(model->forward(in, false).get("logits").to_float_vector(), unmasked);
  // Batch rows equal the single-image references.
  const auto want_a = ref.tensor("scene_80x60.jpg:logits").to_float_vector();
  const auto want_b = ref.tensor("gradient_64x48.png:logits").to_float_vector();
  for (size_t i = 0; i < want_a.size(); ++i) {
    EXPECT_NEAR(unmasked[i], want_a[i], kTolerance);
    EXPECT_NEAR(unmasked[want_a.size() + i], want_b[i], kTolerance);
  }
  // Masking the right half of image 1 changes image 1 only.
  std::vector<int64_t> mask(2 * 32 * 42, 1);
  for (int64_t y = 0; y < 32; ++y)
    for (int64_t x = 21; x < 42; ++x) mask[(32 + y) * 42 + x] = 0;
  in.pixel_mask = Tensor::from_vector(mask, {2, 32, 42});
  auto masked = model->forward(in, false).get("logits").to_float_vector();
  double d0 = 0, d1 = 0;
  for (size_t i = 0; i < want_a.size(); ++i) {
    d0 = std::max(d0, double(std::fabs(masked[i] - unmasked[i])));
    d1 = std::max(d1, double(std::fabs(masked[want_a.size() + i] - unmasked[want_a.size() + i])));
  }
  EXPECT_EQ(d0, 0.0);
  EXPECT_GT(d1, 1e-6);
  in.pixel_mask = Tensor::full({2, 32, 41}, 1.0f);
  EXPECT_NE(test::error_of([&] { model->forward(in); }).find("pixel_mask F32[2, 32, 41] must be [batch, height, width]"),
            std::string::npos);
}

TEST(Detr, UnsupportedConfigsAreClearErrors) {
  {
    test::TempDir t;
    const auto dir = edited_fixture(t, [](nlohmann::json& j) { j["use_timm_backbone"] = true; });
    EXPECT_NE(test::error_of([&] { load_model_from_architectures(dir); }).find("\"use_timm_backbone\" must be false"),
              std::string::npos);
  }
  {
    test::TempDir t;
    const auto dir = edited_fixture(t, [](nlohmann::json& j) { j.erase("backbone_config"); });
    EXPECT_NE(test::error_of([&] { load_model_from_architectures(dir); }).find("\"backbone_config\" must be a ResNet config"),
              std::string::npos);
  }
  {
    test::TempDir t;
    const auto dir = edited_fixture(t, [](nlohmann::json& j) { j["backbone_config"]["layer_type"] = "wide"; });
    EXPECT_NE(test::error_of([&] { load_model_from_architectures(dir); })
                  .find("config.json: backbone_config: \"layer_type\" must be \"basic\" or \"bottleneck\""),
              std::string::npos);
  }
  {
    test::TempDir t;
    const auto dir = edited_fixture(t, [](nlohmann::json& j) { j["dilation"] = true; });
    EXPECT_NE(test::error_of([&] { load_model_from_architectures(dir); }).find("\"dilation\" must be false"),
              std::string::npos);
  }
  {
    test::TempDir t;
    const auto dir = edited_fixture(t, [](nlohmann::json& j) { j["position_embedding_type"] = "rope"; });
    EXPECT_NE(test::error_of([&] { load_model_from_architectures(dir); }).find("\"sine\" or \"learned\""),
              std::string::npos);
  }
}

// The mask and position-embedding semantics on hand-computable cases (the fixture's
// images are unpadded, so these paths have no stored transformers tensor).
TEST(Detr, MaskDownsamplingIsTorchNearest) {
  // 5 x 7 -> 2 x 3: rows floor(i * 2.5) = 0, 2; columns floor(j * 7/3) = 0, 2, 4.
  std::vector<uint8_t> m(35, 0);
  for (int64_t x : {0, 2, 4}) m[2 * 7 + x] = 1;  // row 2, picked columns
  m[0] = 1;
  const Tensor small = models::downsample_mask(Tensor::from_vector(m, {1, 5, 7}), 2, 3);
  EXPECT_EQ(small.to_int_vector(), (std::vector<int64_t>{1, 0, 0, 1, 1, 1}));
}

TEST(Detr, SineEmbeddingNormalisesOverRealPixels) {
  // 2 x 3 mask whose last column is padding: x runs 1, 2 over the real cells.
  const Tensor mask = Tensor::from_vector<int64_t>({1, 1, 0, 1, 1, 0}, {1, 2, 3});
  const int64_t d = 8, half = 4;
  const auto pos = models::sine_position_embedding(mask, d).to_float_vector();
  const double two_pi = 2 * M_PI;
  auto at = [&](int64_t cell, int64_t ch) { return pos[cell * d + ch]; };
  // Cell (1, 1): y = 2/2, x = 2/2 of the normalised range; dim_t = 1, 1, 100, 100.
  const double y = 2.0 / (2 + 1e-6) * two_pi, x = 2.0 / (2 + 1e-6) * two_pi;
  EXPECT_NEAR(at(4, 0), std::sin(y), 1e-6);
  EXPECT_NEAR(at(4, 1), std::cos(y), 1e-6);
  EXPECT_NEAR(at(4, 2), std::sin(y / 100), 1e-6);
  EXPECT_NEAR(at(4, 3), std::cos(y / 100), 1e-6);
  EXPECT_NEAR(at(4, half + 0), std::sin(x), 1e-6);
  // Cell (0, 0): y = 1/2 of the column's real rows, x = 1/2 of the row's real columns.
  EXPECT_NEAR(at(0, half + 3), std::cos(1.0 / (2 + 1e-6) * two_pi / 100), 1e-6);
  // A padded cell repeats its row's cumulative count: (0, 2) has x = 2 / 2.
  EXPECT_NEAR(at(2, half + 0), std::sin(x), 1e-6);
}
