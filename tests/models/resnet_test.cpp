// ResNet: parity with transformers 5.17 on the vendored fixtures (logits per image within
// 1e-4), the bare model's outputs, and the errors a caller can cause.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/models.h"
#include "models/image_reference.h"
#include "test_util.h"

using namespace cuddle;

namespace {
constexpr double kTolerance = 1e-4;

}  // namespace

TEST(ResNet, ImageClassificationMatchesTransformers) {
  const std::string dir = test::fixture("models/resnet-imgcls");
  auto model = load_model_from_architectures(dir);
  EXPECT_EQ(model->class_name(), "ResNetForImageClassification");
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  EXPECT_EQ(test::reference_images(ref).size(), 7u);
  const double d = test::check_image_outputs(*model, ref, {"logits"}, kTolerance);
  std::printf("resnet-imgcls: max abs diff %.3g\n", d);
}

TEST(ResNet, BaseModelOutputsAndHiddenStates) {
  const std::string dir = test::fixture("models/resnet-imgcls");
  auto model = AutoModel::from_pretrained(dir);  // drops classifier.*, strips resnet.
  EXPECT_EQ(model->class_name(), "ResNetModel");
  auto ref = SafetensorsFile::open(dir + "/reference.safetensors");
  ModelInputs in;
  in.pixel_values = ref.tensor("scene_80x60.jpg:pixel_values").unsqueeze(0);
  auto out = model->forward(in);
  // 32x32 -> stem conv /2 -> max pool /2 -> 8x8; stages 2..4 halve it: 4, 2, 1.
  EXPECT_EQ(out.get("last_hidden_state").shape(), (Shape{1, 32, 1, 1}));
  EXPECT_EQ(out.get("pooler_output").shape(), (Shape{1, 32, 1, 1}));
  EXPECT_EQ(out.get("hidden_states.0").shape(), (Shape{1, 8, 8, 8}));
  EXPECT_EQ(out.get("hidden_states.1").shape(), (Shape{1, 8, 8, 8}));
  EXPECT_EQ(out.get("hidden_states.2").shape(), (Shape{1, 16, 4, 4}));
  EXPECT_EQ(out.get("hidden_states.4").shape(), (Shape{1, 32, 1, 1}));
  EXPECT_FALSE(out.contains("hidden_states.5"));
  // The classifier applied to pooler_output gives the head model's logits.
  auto head = load_model_from_architectures(dir);
  const auto logits = head->forward(in).get("logits").to_float_vector();
  EXPECT_NEAR(logits[0], ref.tensor("scene_80x60.jpg:logits").to_float_vector()[0], kTolerance);
}

TEST(ResNet, DigitsBasicBlocksLoadAndRun) {
  auto model = load_model_from_architectures(test::fixture("real/models/digits-resnet"));
  ModelInputs in;
  in.pixel_values = Tensor::full({1, 3, 32, 32}, 0.25f);
  auto out = model->forward(in);
  EXPECT_EQ(out.get("logits").shape(), (Shape{1, 10}));
  for (float v : out.get("logits").to_float_vector()) EXPECT_TRUE(std::isfinite(v));
}

TEST(ResNet, PixelValuesErrors) {
  auto model = load_model_from_architectures(test::fixture("models/resnet-imgcls"));
  ModelInputs in;
  EXPECT_NE(test::error_of([&] { model->forward(in); })
                .find("ResNetForImageClassification: pixel_values is required"),
            std::string::npos);
  in.pixel_values = Tensor::zeros({1, 1, 32, 32});
  EXPECT_NE(test::error_of([&] { model->forward(in); }).find("pixel_values F32[1, 1, 32, 32] must be [batch, 3"),
            std::string::npos);
  in.pixel_values = Tensor::zeros({3, 32, 32});
  EXPECT_NE(test::error_of([&] { model->forward(in); }).find("must be [batch, 3, height, width]"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { load_model(test::fixture("models/resnet-imgcls"), ModelTask::MaskedLM); })
                .find("has no AutoModelForMaskedLM class"),
            std::string::npos);
}
