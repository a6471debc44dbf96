// Model folders: single file, sharded index round trip, index validation, pickle refusal.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/safetensors.h"
#include "test_util.h"

namespace cuddle {
namespace {

NamedTensors sample() {
  return {{"embed.weight", Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2})},
          {"layer.0.weight", Tensor::from_vector<float>({5, 6, 7, 8}, {2, 2})},
          {"layer.0.bias", Tensor::from_vector<float>({9, 10}, {2})},
          {"positions", Tensor::from_vector<int64_t>({0, 1, 2}, {3})}};
}

std::string error_of(const std::string& path) {
  try {
    SafetensorsCheckpoint::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SafetensorsCheckpoint, ShardedIndexRoundTrip) {
  test::TempDir dir;
  save_safetensors_checkpoint(dir.path(), sample(), 24);  // 16 | 16 + 8 | 24 bytes: 3 shards
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors"));
  auto index = nlohmann::json::parse(test::read_file(dir / "model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"], 64);
  EXPECT_EQ(index["weight_map"]["embed.weight"], "model-00001-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["layer.0.weight"], "model-00002-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["layer.0.bias"], "model-00002-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["positions"], "model-00003-of-00003.safetensors");

  SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir.path());
  EXPECT_EQ(c.files().size(), 3u);
  EXPECT_EQ(c.names().size(), 4u);
  for (const auto& [name, t] : sample()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(c.contains(name));
    EXPECT_EQ(c.tensor(name).shape(), t.shape());
    EXPECT_EQ(c.tensor(name).to_float_vector(), t.to_float_vector());
  }
  EXPECT_EQ(c.files()[0].metadata().at("format"), "pt");
  EXPECT_THROW(c.tensor("missing"), FormatError);
}

TEST(SafetensorsCheckpoint, SingleFileWhenItFits) {
  test::TempDir dir;
  save_safetensors_checkpoint(dir.path(), sample(), 1 << 20);
  EXPECT_TRUE(std::filesystem::exists(dir / "model.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors.index.json"));
  SafetensorsCheckpoint c = SafetensorsCheckpoint::open(dir.path());
  EXPECT_EQ(c.names().size(), 4u);
  // A .safetensors path works as well as its folder.
  EXPECT_EQ(SafetensorsCheckpoint::open(dir / "model.safetensors").names(), c.names());
}

TEST(SafetensorsCheckpoint, IndexNamingAMissingShardIsRefused) {
  test::TempDir dir;
  save_safetensors_checkpoint(dir.path(), sample(), 24);
  std::filesystem::remove(dir / "model-00002-of-00003.safetensors");
  EXPECT_NE(error_of(dir.path()).find("weight_map names shard \"model-00002-of-00003.safetensors\""),
            std::string::npos)
      << error_of(dir.path());
}

TEST(SafetensorsCheckpoint, IndexClaimingATensorTheShardLacksIsRefused) {
  test::TempDir dir;
  save_safetensors_checkpoint(dir.path(), sample(), 24);
  auto index = nlohmann::json::parse(test::read_file(dir / "model.safetensors.index.json"));
  index["weight_map"]["positions"] = "model-00001-of-00003.safetensors";
  test::write_file(dir / "model.safetensors.index.json", index.dump());
  EXPECT_NE(error_of(dir.path()).find("weight_map puts \"positions\" in model-00001-of-00003.safetensors, "
                                      "which holds no tensor of that name"),
            std::string::npos)
      << error_of(dir.path());
}

TEST(SafetensorsCheckpoint, IndexShardOutsideTheFolderIsRefused) {
  test::TempDir dir;
  test::write_file(dir / "model.safetensors.index.json",
                   R"({"weight_map":{"a":"../../etc/passwd"}})");
  EXPECT_NE(error_of(dir.path()).find("not a file inside the model folder"), std::string::npos);
}

TEST(SafetensorsCheckpoint, BinOnlyFolderIsRefusedWithConversionAdvice) {
  test::TempDir dir;
  test::write_file(dir / "pytorch_model.bin", "PK\x03\x04 pickle");
  test::write_file(dir / "config.json", "{}");
  std::string err = error_of(dir.path());
  EXPECT_NE(err.find("only pytorch_model.bin found"), std::string::npos) << err;
  EXPECT_NE(err.find("does not load pickle"), std::string::npos) << err;
  EXPECT_NE(err.find("save_pretrained(dir, safe_serialization=True)"), std::string::npos) << err;
}

TEST(SafetensorsCheckpoint, MissingPathAndEmptyFolder) {
  test::TempDir dir;
  EXPECT_NE(error_of(dir / "nope").find("no such file or directory"), std::string::npos);
  EXPECT_NE(error_of(dir.path()).find("no model.safetensors or model.safetensors.index.json"),
            std::string::npos);
}

}  // namespace
}  // namespace cuddle
