// `cuddle info`: tables and JSON for files and folders, and one clear line on bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cuddle/safetensors.h"
#include "io/safetensors_test_util.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::run_cli;

// A small model folder: config, weights, a tokenizer file.
void make_model(const test::TempDir& dir) {
  test::write_file(dir / "config.json", R"({"architectures":["BertModel"],"model_type":"bert"})");
  test::write_file(dir / "tokenizer.json", "{}");
  save_safetensors(dir / "model.safetensors",
                   {{"w", Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
                    {"ids", Tensor::from_vector<int64_t>({1, 2}, {2})}},
                   {{"format", "pt"}});
}

// Expects the one-line error contract: non-zero exit, nothing on stdout, a single line
// "cuddle: error: <file>: <problem>" on stderr.
void expect_one_line_error(const test::CliResult& r, const std::string& file, const std::string& problem) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("cuddle: error: " + file + ": ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(problem), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(InfoCli, FileTable) {
  auto r = run_cli({"info", test::fixture("safetensors/dtypes.safetensors")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("metadata note: edge cases"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("11 tensors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("f32"), std::string::npos);
  EXPECT_NE(r.out.find("[2, 3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BF16"), std::string::npos);
}

TEST(InfoCli, FileJson) {
  auto r = run_cli({"info", test::fixture("safetensors/dtypes.safetensors"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metadata"]["format"], "pt");
  ASSERT_EQ(j["tensors"].size(), 11u);
  EXPECT_EQ(j["tensors"][0]["name"], "i64");
  EXPECT_EQ(j["tensors"][0]["dtype"], "I64");
  EXPECT_EQ(j["tensors"][0]["shape"], nlohmann::json::array({2}));
  EXPECT_EQ(j["tensors"][0]["bytes"], 16);
}

TEST(InfoCli, FolderTableAndJson) {
  test::TempDir dir;
  make_model(dir);
  auto r = run_cli({"info", dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("BertModel"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("parameters     8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokenizer.json"), std::string::npos) << r.out;

  r = run_cli({"info", dir.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["architectures"], nlohmann::json::array({"BertModel"}));
  EXPECT_EQ(j["model_type"], "bert");
  EXPECT_EQ(j["parameters"], 8);
  EXPECT_EQ(j["dtypes"]["F32"]["tensors"], 1);
  EXPECT_EQ(j["dtypes"]["I64"]["parameters"], 2);
  EXPECT_EQ(j["files"]["config"], nlohmann::json::array({"config.json"}));
  EXPECT_EQ(j["files"]["weights"], nlohmann::json::array({"model.safetensors"}));
  EXPECT_EQ(j["files"]["tokenizer"], nlohmann::json::array({"tokenizer.json"}));
}

TEST(InfoCli, AdapterFolder) {
  test::TempDir dir;
  test::write_file(dir / "adapter_config.json", R"({"peft_type":"LORA"})");
  save_safetensors(dir / "adapter_model.safetensors", {{"lora_A", Tensor::zeros({2, 4})}}, {{"format", "pt"}});
  auto r = run_cli({"info", dir.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["parameters"], 8);
  EXPECT_EQ(j["files"]["config"], nlohmann::json::array({"adapter_config.json"}));
  EXPECT_EQ(j["files"]["weights"], nlohmann::json::array({"adapter_model.safetensors"}));
}

TEST(InfoCli, TruncatedFile) {
  test::TempDir dir;
  std::string bytes = test::read_file(test::fixture("safetensors/dtypes.safetensors"));
  test::write_file(dir / "t.safetensors", bytes.substr(0, bytes.size() - 5));
  expect_one_line_error(run_cli({"info", dir / "t.safetensors"}), dir / "t.safetensors", "is the file truncated?");
}

TEST(InfoCli, HeaderTooLarge) {
  test::TempDir dir;
  std::string bytes(8, '\0');
  bytes[4] = 1;  // 2^32 bytes
  test::write_file(dir / "big.safetensors", bytes + "{}");
  expect_one_line_error(run_cli({"info", dir / "big.safetensors", "--json"}), dir / "big.safetensors",
                        "header length 4294967296 exceeds the limit of 100000000 bytes");
}

TEST(InfoCli, OverlappingOffsets) {
  test::TempDir dir;
  test::write_file(dir / "o.safetensors",
                   test::safetensors_bytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                           R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
                                           "abcdef"));
  expect_one_line_error(run_cli({"info", dir / "o.safetensors"}), dir / "o.safetensors",
                        "tensor \"b\": data_offsets [2, 6] overlap tensor \"a\" at [0, 4]");
}

TEST(InfoCli, MissingPath) {
  test::TempDir dir;
  expect_one_line_error(run_cli({"info", dir / "nope.safetensors"}), dir / "nope.safetensors", "cannot open");
}

TEST(InfoCli, BinOnlyFolder) {
  test::TempDir dir;
  test::write_file(dir / "config.json", R"({"model_type":"bert"})");
  test::write_file(dir / "pytorch_model.bin", "pickle");
  expect_one_line_error(run_cli({"info", dir.path()}), dir.path(), "does not load pickle");
}

}  // namespace
}  // namespace cuddle
