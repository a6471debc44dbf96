// `cuddle pipeline` for the image tasks: image files and folders as inputs, --json shaped
// like transformers' output (one entry per image), the table, and clear errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_expect.h"
#include "json_compare.h"
#include "test_util.h"

using cuddle::test::expect_error;
using cuddle::test::fixture;
using cuddle::test::run_cli;

TEST(ImagePipelineCli, ClassificationJsonMatchesTransformers) {
  const std::string model = fixture("models/vit-imgcls");
  auto ref = nlohmann::json::parse(cuddle::test::read_file(model + "/reference.json"));
  const auto& call = ref["pipelines"]["image-classification"][0];  // top_k 4 on the JPEG
  auto r = run_cli({"pipeline", "image-classification", "--model", model, "--top-k", "4", "--json",
                    fixture("images/" + call["image"].get<std::string>())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(cuddle::test::json_diff(j[0], call["output"], 1e-5), "");
}

TEST(ImagePipelineCli, FolderMeansEveryImageSorted) {
  auto r = run_cli({"pipeline", "image-classification", "--model", fixture("models/resnet-imgcls"), "--top-k", "1",
                    "--json", fixture("images")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 7u);
  auto table = run_cli({"pipeline", "image-classification", "--model", fixture("models/resnet-imgcls"), "--top-k",
                        "1", fixture("images")});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  // Paths in sorted order: flat_300x200.png first, scene_80x60.png last.
  EXPECT_LT(table.out.find("flat_300x200.png"), table.out.find("scene_80x60.png")) << table.out;
}

TEST(ImagePipelineCli, ZeroShotAndDetection) {
  auto zs = run_cli({"pipeline", "zero-shot-image-classification", "--model", fixture("models/clip-zeroshot"),
                     "--candidate-labels", "cat,dog,shapes", "--json", fixture("images/scene_80x60.png")});
  ASSERT_EQ(zs.exit_code, 0) << zs.err;
  auto j = nlohmann::json::parse(zs.out);
  ASSERT_EQ(j[0].size(), 3u);
  EXPECT_EQ(j[0][0]["label"], "dog");  // transformers' answer (reference.json)

  auto det = run_cli({"pipeline", "object-detection", "--model", fixture("models/detr-objdet"), "--threshold",
                      "0.15", "--json", fixture("images/flat_300x200.png")});
  ASSERT_EQ(det.exit_code, 0) << det.err;
  auto d = nlohmann::json::parse(det.out);
  ASSERT_FALSE(d[0].empty());
  EXPECT_EQ(d[0][0]["box"]["xmin"], 75);
}

TEST(ImagePipelineCli, BadInputs) {
  cuddle::test::TempDir tmp;
  cuddle::test::write_file(tmp / "truncated.jpg", "\xff\xd8\xff\xe0");
  expect_error(run_cli({"pipeline", "image-classification", "--model", fixture("models/vit-imgcls"),
                        tmp / "truncated.jpg"}),
               "truncated.jpg");
  expect_error(run_cli({"pipeline", "image-classification", "--model", fixture("models/vit-imgcls")}),
               "give image files or folders");
  expect_error(run_cli({"pipeline", "object-detection", "--model", fixture("models/vit-imgcls"),
                        fixture("images/gray_40x40.png")}),
               "ForObjectDetection");
  expect_error(run_cli({"pipeline", "zero-shot-image-classification", "--model", fixture("models/clip-zeroshot"),
                        fixture("images/gray_40x40.png")}),
               "candidate-labels");
}
