// Rotary embedding parameters: an unknown rope type is one clear error naming the file;
// linear scaling by f at position f*p equals no scaling at p; dynamic NTK scaling equals
// no scaling within the original context; partial rotary factors shrink the rotated dims.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "models/rope.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::models;

namespace {

RopeParameters read(const nlohmann::json& j) {
  const ConfigReader r(j, "config.json");
  return read_rope_parameters(r, 128);
}

std::vector<float> cos_at(const RotaryEmbedding& rope, int64_t position) {
  return rope.cos_sin(Tensor::from_vector<int64_t>({position}, {1, 1})).first.to_float_vector();
}

TEST(Rope, UnknownTypeIsAnErrorNamingTheFileAndTheSupportedTypes) {
  test::TempDir tmp;
  std::filesystem::copy(test::fixture("models/llama-causal"), tmp.path(), std::filesystem::copy_options::recursive);
  auto j = nlohmann::json::parse(test::read_file(tmp / "config.json"));
  j.erase("rope_parameters");
  j["rope_scaling"] = {{"type", "bogus"}, {"factor", 2.0}};
  test::write_file(tmp / "config.json", j.dump());
  const std::string msg = test::error_of([&] { AutoModelForCausalLM::from_pretrained(tmp.path()); });
  EXPECT_NE(msg.find("config.json: \"rope_scaling\" has rope_type \"bogus\", which is not supported (supported: "
                     "default, linear, dynamic, llama3, yarn, longrope)"),
            std::string::npos)
      << msg;
  j["rope_scaling"] = {{"rope_type", "longrope"}};
  test::write_file(tmp / "config.json", j.dump());
  const std::string longrope = test::error_of([&] { AutoModelForCausalLM::from_pretrained(tmp.path()); });
  EXPECT_NE(longrope.find("needs short_factor and long_factor"), std::string::npos) << longrope;
}

TEST(Rope, LinearScalingStretchesPositions) {
  const RotaryEmbedding plain(read({{"rope_theta", 10000.0}}), 8, 128);
  const RotaryEmbedding linear(read({{"rope_scaling", {{"rope_type", "linear"}, {"factor", 4.0}}}}), 8, 128);
  const auto a = cos_at(plain, 3), b = cos_at(linear, 12);
  ASSERT_EQ(a.size(), 8u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST(Rope, DynamicScalingOnlyActsBeyondTheOriginalContext) {
  const RotaryEmbedding plain(read({}), 8, 128);
  const RotaryEmbedding dynamic(read({{"rope_scaling", {{"rope_type", "dynamic"}, {"factor", 2.0}}}}), 8, 128);
  EXPECT_EQ(cos_at(plain, 100), cos_at(dynamic, 100));
  EXPECT_NE(cos_at(plain, 200), cos_at(dynamic, 200));
}

TEST(Rope, PartialRotaryFactorRotatesPartOfEachHead) {
  const RotaryEmbedding half(read({{"partial_rotary_factor", 0.5}}), 16, 128);
  EXPECT_EQ(half.rotary_dim(), 8);
}

}  // namespace
