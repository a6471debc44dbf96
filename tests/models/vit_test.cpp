// ViT against transformers 5.17: the vit-imgcls fixture's logits for every image of
// tests/fixtures/images (pixel_values as ViTImageProcessor made them), within 1e-4, one
// image at a time and all in one batch; input errors; interpolate_pos_encoding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "cuddle/safetensors.h"
#include "models/vit/vit_config.h"
#include "test_util.h"

using namespace cuddle;

namespace {

constexpr double kTolerance = 1e-4;

double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_float_vector(), y = b.to_float_vector();
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, double(std::fabs(x[i] - y[i])));
  return m;
}

std::vector<std::string> image_names(const SafetensorsFile& ref) {
  std::vector<std::string> out;
  for (const auto& name : ref.names())
    if (name.ends_with(":pixel_values")) out.push_back(name.substr(0, name.size() - 13));
  return out;
}

// [3, H, W] tensors stacked into [N, 3, H, W].
Tensor stack(const std::vector<Tensor>& images) {
  Shape shape = images[0].shape();
  shape.insert(shape.begin(), static_cast<int64_t>(images.size()));
  Tensor out = Tensor::empty(shape);
  float* dst = out.data<float>();
  for (const auto& t : images) {
    Tensor c = t.contiguous();
    std::memcpy(dst, c.data<float>(), c.nbytes());
    dst += c.numel();
  }
  return out;
}

const std::string kDir = "models/vit-imgcls";

}  // namespace

TEST(ViT, ImageClassificationLogitsMatchTransformers) {
  auto model = load_model_from_architectures(test::fixture(kDir));
  EXPECT_EQ(model->class_name(), "ViTForImageClassification");
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  const auto names = image_names(ref);
  ASSERT_EQ(names.size(), 7u);
  double worst = 0;
  std::vector<Tensor> pixels, logits;
  for (const auto& img : names) {
    ModelInputs in;
    in.pixel_values = ref.tensor(img + ":pixel_values").unsqueeze(0);
    ModelOutputs out = model->forward(in);
    ASSERT_EQ(out.get("logits").shape(), (Shape{1, 4}));
    EXPECT_TRUE(out.contains("hidden_states.2"));
    const double d = max_abs_diff(out.get("logits"), ref.tensor(img + ":logits"));
    EXPECT_LT(d, kTolerance) << img;
    worst = std::max(worst, d);
    pixels.push_back(ref.tensor(img + ":pixel_values"));
    logits.push_back(ref.tensor(img + ":logits"));
  }
  std::printf("vit-imgcls: %zu images, logits max abs diff %.3g\n", names.size(), worst);

  ModelInputs batch;
  batch.pixel_values = stack(pixels);
  const double d = max_abs_diff(model->forward(batch, false).get("logits"), stack(logits));
  std::printf("vit-imgcls: batch of %zu, logits max abs diff %.3g\n", names.size(), d);
  EXPECT_LT(d, kTolerance);
}

TEST(ViT, BaseModelFromAClassifierCheckpointHasNoPooler) {
  auto model = AutoModel::from_pretrained(test::fixture(kDir));
  EXPECT_EQ(model->class_name(), "ViTModel");
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  ModelInputs in;
  in.pixel_values = ref.tensor("scene_80x60.png:pixel_values").unsqueeze(0);
  ModelOutputs out = model->forward(in);
  const Tensor& last = out.get("last_hidden_state");
  EXPECT_EQ(last.shape(), (Shape{1, 17, 32}));  // CLS + 4 x 4 patches
  EXPECT_FALSE(out.contains("pooler_output"));
  // The classifier head on the base model's CLS features gives transformers' logits.
  auto weights = SafetensorsFile::open(test::fixture(kDir + "/model.safetensors"));
  Tensor logits = ops::linear(last.select(1, 0), weights.tensor("classifier.weight"),
                              weights.tensor("classifier.bias"));
  EXPECT_LT(max_abs_diff(logits, ref.tensor("scene_80x60.png:logits")), kTolerance);
}

TEST(ViT, PoolerIsDenseAndPoolerActOnTheClsToken) {
  // The fixture's weights re-saved as a ViTModel checkpoint with a pooler of width 8.
  auto weights = SafetensorsFile::open(test::fixture(kDir + "/model.safetensors"));
  NamedTensors tensors;
  for (const auto& name : weights.names())
    if (name.starts_with("vit.")) tensors.emplace_back(name.substr(4), weights.tensor(name));
  std::vector<float> w(8 * 32), b(8);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i % 17) - 0.08f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.1f * static_cast<float>(i) - 0.3f;
  const Tensor pw = Tensor::from_vector(w, {8, 32}), pb = Tensor::from_vector(b, {8});
  tensors.emplace_back("pooler.dense.weight", pw);
  tensors.emplace_back("pooler.dense.bias", pb);
  test::TempDir dir;
  save_safetensors(dir / "model.safetensors", tensors);
  test::write_file(dir / "config.json",
                   R"({"model_type": "vit", "architectures": ["ViTModel"], "hidden_size": 32,
                       "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
                       "image_size": 32, "patch_size": 8, "layer_norm_eps": 1e-12,
                       "pooler_output_size": 8, "pooler_act": "relu"})");
  auto model = load_model_from_architectures(dir.path());
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  ModelInputs in;
  in.pixel_values = ref.tensor("noise_50x70.png:pixel_values").unsqueeze(0);
  ModelOutputs out = model->forward(in);
  const Tensor expected =
      ops::relu(ops::linear(out.get("last_hidden_state").select(1, 0), pw, pb));
  ASSERT_EQ(out.get("pooler_output").shape(), (Shape{1, 8}));
  EXPECT_LT(max_abs_diff(out.get("pooler_output"), expected), 1e-6);
}

TEST(ViT, PixelValuesErrorsNameTheProblem) {
  auto model = load_model_from_architectures(test::fixture(kDir));
  auto message = [&](const ModelInputs& in) {
    return test::error_of<ShapeError>([&] { model->forward(in); });
  };
  ModelInputs none;
  EXPECT_NE(message(none).find("pixel_values are missing"), std::string::npos) << message(none);
  ModelInputs gray;
  gray.pixel_values = Tensor::zeros({1, 1, 32, 32});
  EXPECT_NE(message(gray).find("[batch, 3, height, width]"), std::string::npos) << message(gray);
  ModelInputs big;
  big.pixel_values = Tensor::zeros({1, 3, 48, 40});
  EXPECT_NE(message(big).find("does not match the model's 32x32"), std::string::npos) << message(big);
  ModelInputs ids;
  ids.pixel_values = Tensor::zeros({1, 3, 32, 32}, DType::I64);
  EXPECT_NE(message(ids).find("must be floating"), std::string::npos) << message(ids);
}

TEST(ViT, InterpolatePosEncodingAcceptsOtherSizes) {
  auto model = load_model_from_architectures(test::fixture(kDir));
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  // At the pretraining size the flag changes nothing (the grid is not resized).
  ModelInputs in;
  in.pixel_values = ref.tensor("gradient_64x48.png:pixel_values").unsqueeze(0);
  in.interpolate_pos_encoding = true;
  EXPECT_LT(max_abs_diff(model->forward(in).get("logits"), ref.tensor("gradient_64x48.png:logits")),
            kTolerance);
  // 48 x 40 pixels: a 6 x 5 patch grid, 31 tokens.
  in.pixel_values = Tensor::full({2, 3, 48, 40}, 0.25f);
  ModelOutputs out = model->forward(in);
  EXPECT_EQ(out.get("hidden_states.0").shape(), (Shape{2, 31, 32}));
  EXPECT_EQ(out.get("logits").shape(), (Shape{2, 4}));
  for (float v : out.get("logits").to_float_vector()) EXPECT_TRUE(std::isfinite(v));
}

TEST(ViT, ConfigDefaultsAreTransformers) {
  test::TempDir dir;
  test::write_file(dir / "config.json", R"({"model_type": "vit"})");
  auto config = load_config(dir.path());
  const auto& c = dynamic_cast<const models::ViTConfig&>(*config);
  EXPECT_EQ(c.hidden_size, 768);
  EXPECT_EQ(c.num_hidden_layers, 12);
  EXPECT_EQ(c.num_attention_heads, 12);
  EXPECT_EQ(c.intermediate_size, 3072);
  EXPECT_EQ(c.hidden_act, "gelu");
  EXPECT_EQ(c.layer_norm_eps, 1e-12);
  EXPECT_EQ(c.image_size, 224);
  EXPECT_EQ(c.patch_size, 16);
  EXPECT_EQ(c.num_channels, 3);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_EQ(c.encoder_stride, 16);
  EXPECT_EQ(c.pooler_output_size, 768);  // None = hidden_size
  EXPECT_EQ(c.pooler_act, "tanh");
  test::write_file(dir / "config.json", R"({"model_type": "vit", "patch_size": "16"})");
  try {
    load_config(dir.path());
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("\"patch_size\" must be an integer"), std::string::npos) << e.what();
  }
}
