// Every image pipeline call recorded in the vision fixtures' reference.json (transformers
// 5.17) gives the same result in cuddle: labels, order and boxes equal, scores within 1e-5.
// Images are decoded from tests/fixtures/images, as the recording decoded them.
#include <gtest/gtest.h>

#include "cuddle/pipeline.h"
#include "json_compare.h"
#include "test_util.h"

using namespace cuddle;

namespace {

PipelineOptions options_from(const nlohmann::json& call) {
  PipelineOptions o;
  const nlohmann::json kwargs = call.value("kwargs", nlohmann::json::object());
  for (const auto& [k, v] : kwargs.items()) {
    if (k == "top_k") o.top_k = v.is_null() ? 0 : v.get<int>();
    else if (k == "threshold") o.threshold = v.get<float>();
    else ADD_FAILURE() << "kwarg not mapped: " << k;
  }
  if (call.contains("candidate_labels")) o.candidate_labels = call["candidate_labels"].get<std::vector<std::string>>();
  return o;
}

class ImageParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ImageParity, EveryRecordedPipelineCall) {
  const std::string dir = test::fixture("models/" + GetParam());
  auto ref = nlohmann::json::parse(test::read_file(dir + "/reference.json"));
  size_t calls = 0;
  for (const auto& [task, recorded] : ref["pipelines"].items()) {
    for (const auto& call : recorded) {
      SCOPED_TRACE(task + " " + call.dump().substr(0, 120));
      PipelineOptions opts = options_from(call);
      Pipeline p = pipeline(task, dir, opts);
      const std::string image = test::fixture("images/" + call["image"].get<std::string>());
      PipelineOutput got = p({image});
      EXPECT_EQ(test::json_diff(got[0], call["output"], 1e-5), "");
      // The same image decoded by the caller gives the same answer.
      PipelineOutput decoded = p({PipelineInput::from_image(load_image(image))});
      EXPECT_EQ(test::json_diff(decoded, got, 0), "");
      ++calls;
    }
  }
  std::printf("%s: %zu recorded pipeline calls reproduced\n", GetParam().c_str(), calls);
  EXPECT_GT(calls, 0u);
}

INSTANTIATE_TEST_SUITE_P(VisionFixtures, ImageParity,
                         ::testing::Values("vit-imgcls", "resnet-imgcls", "clip-zeroshot", "detr-objdet"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Batching pads nothing for fixed-size processors: batch_size 4 over all seven images gives
// the unbatched answers.
TEST(ImagePipelines, BatchedEqualsUnbatched) {
  std::vector<PipelineInput> images;
  for (const auto& path : list_images(test::fixture("images"))) images.emplace_back(path);
  ASSERT_EQ(images.size(), 7u);
  PipelineOptions one, four;
  four.batch_size = 4;
  const std::string vit = test::fixture("models/vit-imgcls");
  EXPECT_EQ(test::json_diff(pipeline("image-classification", vit, four)(images),
                            pipeline("image-classification", vit, one)(images), 1e-6),
            "");
}

TEST(ImagePipelines, FeatureExtractionShapes) {
  const std::string image = test::fixture("images/scene_80x60.png");
  PipelineOutput vit = pipeline("image-feature-extraction", test::fixture("models/vit-imgcls"))({image});
  // [1, 1 + (32/8)^2 tokens, hidden 32] per image, as transformers' tolist().
  ASSERT_EQ(vit[0].size(), 1u);
  EXPECT_EQ(vit[0][0].size(), 17u);
  EXPECT_EQ(vit[0][0][0].size(), 32u);
  PipelineOptions pool;
  pool.pool = true;
  PipelineOutput resnet = pipeline("image-feature-extraction", test::fixture("models/resnet-imgcls"), pool)({image});
  // ResNet's pooler_output: [1, 32 channels, 1, 1].
  ASSERT_EQ(resnet[0][0].size(), 32u);
  EXPECT_EQ(resnet[0][0][0].size(), 1u);
}

TEST(ImagePipelines, ClearErrors) {
  const std::string vit = test::fixture("models/vit-imgcls");
  test::TempDir dir;
  test::write_file(dir / "broken.png", "\x89PNG\r\n\x1a\n not really");
  using test::error_of;
  EXPECT_NE(error_of([&] { pipeline("image-classification", vit)({dir / "broken.png"}); }).find("broken.png"),
            std::string::npos);
  EXPECT_NE(error_of([&] { pipeline("image-classification", vit)({dir / "missing.png"}); }).find("missing.png"),
            std::string::npos);
  // A classifier is not a detector.
  EXPECT_NE(error_of([&] { pipeline("object-detection", vit); }).find("ForObjectDetection"), std::string::npos);
  EXPECT_NE(error_of([&] {
              pipeline("zero-shot-image-classification", test::fixture("models/clip-zeroshot"))(
                  {test::fixture("images/gray_40x40.png")});
            }).find("candidate labels"),
            std::string::npos);
  // Text pipelines do not take decoded images.
  EXPECT_NE(error_of([&] {
              pipeline("text-classification", test::fixture("models/bert-seqcls"))(
                  {PipelineInput::from_image(load_image(test::fixture("images/gray_40x40.png")))});
            }).find("takes texts"),
            std::string::npos);
}

}  // namespace
