// `cuddle forward` end to end: outputs equal the library's, errors are one line and
// leave no file behind.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <filesystem>

#include "cuddle/safetensors.h"
#include "test_util.h"

using namespace cuddle;

TEST(ForwardCli, WritesEveryReferenceOutput) {
  test::TempDir tmp;
  const std::string dir = test::fixture("models/bert-qa");
  auto r = test::run_cli({"forward", dir, "--inputs", dir + "/reference.safetensors", "--out",
                          tmp / "out.safetensors", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  SafetensorsFile out = SafetensorsFile::open(tmp / "out.safetensors");
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  for (const char* name : {"start_logits", "end_logits", "hidden_states.0", "hidden_states.2"}) {
    auto a = out.tensor(name).to_float_vector(), b = ref.tensor(name).to_float_vector();
    ASSERT_EQ(a.size(), b.size()) << name;
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
    EXPECT_LT(m, 1e-4) << name;
  }
}

// Image models take pixel_values (here one image of the DETR fixture, whose logits
// transformers recorded).
TEST(ForwardCli, ImageModelsTakePixelValues) {
  test::TempDir tmp;
  const std::string dir = test::fixture("models/detr-objdet");
  SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  Tensor pixels = ref.tensor("scene_80x60.jpg:pixel_values").clone();
  save_safetensors(tmp / "in.safetensors", {{"pixel_values", pixels.reshape({1, pixels.size(0), pixels.size(1),
                                                                              pixels.size(2)})}});
  auto r = test::run_cli({"forward", dir, "--inputs", tmp / "in.safetensors", "--out", tmp / "out.safetensors"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  SafetensorsFile out = SafetensorsFile::open(tmp / "out.safetensors");
  auto a = out.tensor("logits").to_float_vector(), b = ref.tensor("scene_80x60.jpg:logits").to_float_vector();
  ASSERT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  EXPECT_LT(m, 1e-4);
}

TEST(ForwardCli, ErrorsAreOneLineAndWriteNothing) {
  test::TempDir tmp;
  const std::string dir = test::fixture("models/bert-qa");
  const std::string out = tmp / "out.safetensors";
  // Inputs without input_ids or pixel_values (the model's own weights file).
  auto r = test::run_cli({"forward", dir, "--inputs", dir + "/model.safetensors", "--out", out});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("input_ids"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // A folder without config.json.
  r = test::run_cli({"forward", tmp.path(), "--inputs", dir + "/reference.safetensors", "--out", out});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}
