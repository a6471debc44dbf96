// CLIP against transformers 5.17 (clip-zeroshot fixture): logits_per_image [7, 3],
// text_embeds and image_embeds within 1e-4 for the three prompts of reference.json and the
// seven images of tests/fixtures/images (pixel_values as CLIPImageProcessor made them,
// from image_processors/clip_slow, the same processor settings as the model's);
// get_text_features / get_image_features, the pooling rule, the tokenizer and input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "cuddle/safetensors.h"
#include "cuddle/tokenizer.h"
#include "models/clip/clip_config.h"
#include "models/clip/clip_towers.h"
#include "test_util.h"

using namespace cuddle;

namespace {

constexpr double kTolerance = 1e-4;
const std::string kDir = "models/clip-zeroshot";

double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_float_vector(), y = b.to_float_vector();
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, double(std::fabs(x[i] - y[i])));
  return m;
}

nlohmann::json reference_json() {
  return nlohmann::json::parse(test::read_file(test::fixture(kDir + "/reference.json")));
}

// The fixture's images in reference.json's order, as one [7, 3, 32, 32] batch.
Tensor pixel_values(const std::string& processor) {
  auto px = SafetensorsFile::open(test::fixture("image_processors/" + processor + "/reference.safetensors"));
  const auto images = reference_json()["images"];
  Tensor out = Tensor::empty({static_cast<int64_t>(images.size()), 3, 32, 32});
  float* dst = out.data<float>();
  for (const auto& img : images) {
    Tensor t = px.tensor(img.get<std::string>() + ":pixel_values").contiguous();
    std::memcpy(dst, t.data<float>(), t.nbytes());
    dst += t.numel();
  }
  return out;
}

ModelInputs reference_inputs(const SafetensorsFile& ref) {
  ModelInputs in;
  in.input_ids = ref.tensor("zs:input_ids");
  in.attention_mask = ref.tensor("zs:attention_mask");
  in.pixel_values = pixel_values("clip_slow");
  return in;
}

}  // namespace

TEST(CLIP, ZeroShotOutputsMatchTransformers) {
  auto model = AutoModelForZeroShotImageClassification::from_pretrained(test::fixture(kDir));
  EXPECT_EQ(model->class_name(), "CLIPModel");
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  ModelOutputs out = model->forward(reference_inputs(ref));
  double worst = 0;
  for (const char* name : {"logits_per_image", "text_embeds", "image_embeds"}) {
    ASSERT_EQ(out.get(name).shape(), ref.tensor(std::string("zs:") + name).shape()) << name;
    const double d = max_abs_diff(out.get(name), ref.tensor(std::string("zs:") + name));
    std::printf("  clip-zeroshot %-17s max abs diff %.3g\n", name, d);
    EXPECT_LT(d, kTolerance) << name;
    worst = std::max(worst, d);
  }
  // logits_per_text is the transpose.
  EXPECT_EQ(out.get("logits_per_text").shape(), (Shape{3, 7}));
  EXPECT_EQ(out.get("logits_per_text").to_float_vector(),
            out.get("logits_per_image").transpose(0, 1).contiguous().to_float_vector());
  std::printf("clip-zeroshot (CLIPModel): max abs diff %.3g\n", worst);
}

TEST(CLIP, FeaturesAreTheUnnormalisedEmbeddings) {
  auto model = load_model_from_architectures(test::fixture(kDir));
  const auto* embedder = dynamic_cast<const TextImageEmbedder*>(model.get());
  ASSERT_NE(embedder, nullptr);
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  const ModelInputs in = reference_inputs(ref);
  Tensor text = embedder->get_text_features(in), image = embedder->get_image_features(in);
  ASSERT_EQ(text.shape(), (Shape{3, 16}));
  ASSERT_EQ(image.shape(), (Shape{7, 16}));
  // Normalised row by row they are transformers' text_embeds / image_embeds.
  for (auto [features, name] : {std::pair{text, "zs:text_embeds"}, std::pair{image, "zs:image_embeds"}}) {
    const Tensor expected = ref.tensor(name);
    const auto f = features.to_float_vector(), e = expected.to_float_vector();
    for (int64_t r = 0; r < features.size(0); ++r) {
      double norm = 0;
      for (int64_t i = 0; i < 16; ++i) norm += double(f[r * 16 + i]) * f[r * 16 + i];
      for (int64_t i = 0; i < 16; ++i)
        EXPECT_NEAR(f[r * 16 + i] / std::sqrt(norm), e[r * 16 + i], kTolerance) << name;
    }
  }
  // One side alone is enough for the features; forward needs both.
  ModelInputs text_only;
  text_only.input_ids = in.input_ids;
  EXPECT_EQ(embedder->get_text_features(text_only).shape(), (Shape{3, 16}));
  try {
    model->forward(text_only);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("pixel_values missing"), std::string::npos) << e.what();
  }
}

TEST(CLIP, FastProcessorPixelsGiveTheSameEmbeddings) {
  auto model = load_model_from_architectures(test::fixture(kDir));
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  ModelInputs in = reference_inputs(ref);
  in.pixel_values = pixel_values("clip_fast");
  const double d = max_abs_diff(model->forward(in).get("image_embeds"), ref.tensor("zs:image_embeds"));
  std::printf("  clip-zeroshot image_embeds from CLIPImageProcessorFast pixels: max abs diff %.3g\n", d);
  EXPECT_LT(d, kTolerance);
}

TEST(CLIP, TokenizerReproducesTheReferenceIds) {
  auto tok = AutoTokenizer::from_pretrained(test::fixture(kDir));
  std::vector<std::string> prompts;
  const auto labels = reference_json()["labels"];  // a copy: the parsed document is a temporary
  for (const auto& l : labels) prompts.push_back(l.get<std::string>());
  CallOptions opts;
  opts.padding = "longest";
  BatchEncoding enc = tok(prompts, opts);
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  const auto ids = ref.tensor("zs:input_ids").to_int_vector();
  const auto mask = ref.tensor("zs:attention_mask").to_int_vector();
  const size_t S = static_cast<size_t>(ref.tensor("zs:input_ids").size(1));
  ASSERT_EQ(enc.input_ids.size(), prompts.size());
  for (size_t b = 0; b < prompts.size(); ++b) {
    ASSERT_EQ(enc.input_ids[b].size(), S) << prompts[b];
    for (size_t s = 0; s < S; ++s) {
      EXPECT_EQ(enc.input_ids[b][s], ids[b * S + s]) << prompts[b] << " position " << s;
      EXPECT_EQ(enc.attention_mask[b][s], mask[b * S + s]) << prompts[b] << " position " << s;
    }
  }
}

TEST(CLIP, PoolingPositionFollowsTransformers) {
  // eos_token_id 1 (padding is also 1): the first 1 in each row, not the padding after it.
  Tensor ids = Tensor::from_vector<int64_t>({0, 7, 9, 1, 1, 1, 0, 5, 1, 1, 1, 1}, {2, 6});
  EXPECT_EQ(models::clip_pooling_positions(ids, 1), (std::vector<int64_t>{3, 2}));
  // Every row's largest id is 49407 (OpenAI's end of text): the largest id's position,
  // whatever eos_token_id says (configs from before the eos_token_id fix carry 2).
  Tensor openai = Tensor::from_vector<int64_t>({49406, 320, 49407, 49407, 49406, 49407, 49407, 49407}, {2, 4});
  EXPECT_EQ(models::clip_pooling_positions(openai, 2), (std::vector<int64_t>{2, 1}));
  // No eos in a row: position 0, as argmax of an all-false row.
  EXPECT_EQ(models::clip_pooling_positions(Tensor::from_vector<int64_t>({4, 5}, {1, 2}), 1),
            (std::vector<int64_t>{0}));
}

TEST(CLIP, InputErrorsNameTheProblem) {
  auto model = load_model_from_architectures(test::fixture(kDir));
  auto ref = SafetensorsFile::open(test::fixture(kDir + "/reference.safetensors"));
  auto message = [&](const ModelInputs& in) {
    return test::error_of<ShapeError>([&] { model->forward(in); });
  };
  ModelInputs in = reference_inputs(ref);
  in.pixel_values = Tensor::zeros({1, 3, 64, 64});
  EXPECT_NE(message(in).find("does not match the model's 32x32"), std::string::npos) << message(in);
  in.interpolate_pos_encoding = true;  // then a 8 x 8 grid of patches is fine
  EXPECT_EQ(model->forward(in).get("logits_per_image").shape(), (Shape{1, 3}));
  in = reference_inputs(ref);
  in.input_ids = Tensor::zeros({3, 40}, DType::I64);
  in.attention_mask = {};
  EXPECT_NE(message(in).find("exceeds max_position_embeddings 32"), std::string::npos) << message(in);
  in = reference_inputs(ref);
  in.attention_mask = Tensor::zeros({3, 5}, DType::I64);
  EXPECT_NE(message(in).find("must match input_ids"), std::string::npos) << message(in);
}

TEST(CLIP, ConfigDefaultsAreTransformers) {
  test::TempDir dir;
  test::write_file(dir / "config.json", R"({"model_type": "clip", "text_config": {"eos_token_id": 2}})");
  auto config = load_config(dir.path());
  const auto& c = dynamic_cast<const models::CLIPConfig&>(*config);
  EXPECT_EQ(c.projection_dim, 512);
  EXPECT_DOUBLE_EQ(c.logit_scale_init_value, 2.6592);
  EXPECT_EQ(c.text.vocab_size, 49408);
  EXPECT_EQ(c.text.hidden_size, 512);
  EXPECT_EQ(c.text.intermediate_size, 2048);
  EXPECT_EQ(c.text.num_hidden_layers, 12);
  EXPECT_EQ(c.text.num_attention_heads, 8);
  EXPECT_EQ(c.text.max_position_embeddings, 77);
  EXPECT_EQ(c.text.hidden_act, "quick_gelu");
  EXPECT_EQ(c.text.layer_norm_eps, 1e-5);
  EXPECT_EQ(c.text.eos_token_id, 2);  // from the file
  EXPECT_EQ(c.text.bos_token_id, 49406);
  EXPECT_EQ(c.vision.hidden_size, 768);
  EXPECT_EQ(c.vision.intermediate_size, 3072);
  EXPECT_EQ(c.vision.num_attention_heads, 12);
  EXPECT_EQ(c.vision.image_size, 224);
  EXPECT_EQ(c.vision.patch_size, 32);
  EXPECT_EQ(c.vision.hidden_act, "quick_gelu");
  test::write_file(dir / "config.json", R"({"model_type": "clip", "vision_config": {"hidden_act": "nope"}})");
  try {
    load_config(dir.path());
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("vision_config: \"hidden_act\""), std::string::npos) << e.what();
  }
}
