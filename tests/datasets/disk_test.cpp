// save_to_disk / load_from_disk in datasets' layout, DatasetDict folders, and the Arrow
// files cuddle writes read back by an independent reader (apache-arrow from npm).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "cuddle/datasets.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::datasets;
namespace fs = std::filesystem;

namespace {

Dataset topics() { return read_arrow(test::fixture("tabular/topics.arrow")); }

std::string run_capture(const std::string& cmd, int& rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    rc = -1;
    return out;
  }
  char buf[65536];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace

TEST(SaveToDisk, DatasetsLayoutRoundTrips) {
  Dataset ds = topics().class_encode_column("label");
  test::TempDir dir;
  save_to_disk(ds, dir / "saved");
  EXPECT_TRUE(fs::exists(dir / "saved/data-00000-of-00001.arrow"));
  Json state = Json::parse(test::read_file(dir / "saved/state.json"));
  EXPECT_EQ(state["_data_files"], Json::parse(R"([{"filename": "data-00000-of-00001.arrow"}])"));
  EXPECT_EQ(state["_fingerprint"].get<std::string>().size(), 16u);
  EXPECT_EQ(state["_format_type"], nullptr);
  Json info = Json::parse(test::read_file(dir / "saved/dataset_info.json"));
  EXPECT_EQ(info["features"]["label"]["_type"], "ClassLabel");
  EXPECT_EQ(info["features"]["tokens"]["_type"], "List");
  EXPECT_EQ(info["citation"], "");

  Dataset back = load_from_disk(dir / "saved");
  ASSERT_EQ(back.num_rows(), 1000);
  EXPECT_EQ(features_to_json(back.features()), features_to_json(ds.features()));
  for (int64_t r : {0, 1, 2, 999}) EXPECT_EQ(back.row(r), ds.row(r));
  // The data file alone carries the features (schema metadata "huggingface").
  Dataset file_only = read_arrow(dir / "saved/data-00000-of-00001.arrow");
  EXPECT_EQ(file_only.features()[2].second.kind, Feature::Kind::ClassLabel);
  EXPECT_EQ(load_file(dir / "saved").num_rows(), 1000);
}

TEST(SaveToDisk, DatasetDictAndBadFolders) {
  DatasetDict dd = topics().train_test_split(0.25, 7);
  test::TempDir dir;
  save_to_disk(dd, dir / "dd");
  EXPECT_EQ(Json::parse(test::read_file(dir / "dd/dataset_dict.json")), Json::parse(R"({"splits": ["train", "test"]})"));
  DatasetDict back = load_dataset_dict_from_disk(dir / "dd");
  ASSERT_EQ(back.splits.size(), 2u);
  EXPECT_EQ(back["test"].num_rows(), 250);
  EXPECT_EQ(back["train"].row(0), dd["train"].row(0));
  EXPECT_NE(test::error_of<FormatError>([&] { load_from_disk(dir / "dd"); }).find("load_dataset_dict_from_disk"),
            std::string::npos);

  save_to_disk(topics().slice(0, 5), dir / "bad");
  test::write_file(dir / "bad/state.json", R"({"_data_files": [{"filename": "../../etc/passwd"}]})");
  EXPECT_NE(test::error_of<FormatError>([&] { load_from_disk(dir / "bad"); }).find("is not a file in the folder"),
            std::string::npos);
  test::write_file(dir / "bad/state.json", "not json");
  EXPECT_NE(test::error_of<FormatError>([&] { load_from_disk(dir / "bad"); }).find("state.json: not a JSON object"),
            std::string::npos);
  EXPECT_NE(test::error_of<IoError>([&] { load_from_disk(dir / "missing"); }).find("missing/state.json"),
            std::string::npos);
}

// apache-arrow (npm) reads the stream cuddle writes for save_to_disk and a file-format copy.
TEST(SaveToDisk, ApacheArrowJsReadsWhatCuddleWrites) {
  std::string module = std::string(CUDDLE_SOURCE_DIR) + "/tests/npm/node_modules/apache-arrow/package.json";
  int rc = 0;
  run_capture("node --version >/dev/null 2>&1", rc);
  if (rc != 0 || !fs::exists(module)) GTEST_SKIP() << "node or tests/npm/node_modules missing (run scripts/test-deps.sh)";
  Dataset ds = topics().class_encode_column("label");
  Json nested_rows = Json::array();
  test::TempDir dir;
  save_to_disk(ds, dir / "saved");
  arrow::write_ipc_file(ds.table(), dir / "file.arrow", 256);
  Dataset nested = Dataset::from_rows({Json::parse(R"({"s": {"a": 1, "b": ["x", null]}, "f": 0.5})"),
                                       Json::parse(R"({"s": null, "f": null})")});
  save_file(nested, dir / "nested.arrow");
  const std::string script = std::string(CUDDLE_SOURCE_DIR) + "/tests/datasets/read_arrow.mjs";
  for (const std::string& path : std::vector<std::string>{dir / "saved/data-00000-of-00001.arrow", dir / "file.arrow"}) {
    std::string text = run_capture("timeout 60 node " + script + " " + path + " 2>&1", rc);
    ASSERT_EQ(rc, 0) << text;
    Json j = Json::parse(text);
    ASSERT_EQ(j["num_rows"], 1000);
    Json types = Json::array();
    for (const auto& f : j["fields"]) types.push_back(f["type"]);
    EXPECT_EQ(types, Json::parse(R"(["Int64", "Utf8", "Int64", "Float64", "Bool", "Int32", "List<Int32>"])"));
    for (int64_t r = 0; r < 1000; ++r) ASSERT_EQ(j["rows"][static_cast<size_t>(r)], ds.row(r)) << path << " row " << r;
  }
  std::string text = run_capture("timeout 60 node " + script + " " + (dir / "saved/data-00000-of-00001.arrow") + " 2>&1", rc);
  Json meta = Json::parse(Json::parse(text)["metadata"]["huggingface"].get<std::string>());
  EXPECT_EQ(meta["info"]["features"], features_to_json(ds.features()));
  text = run_capture("timeout 60 node " + script + " " + (dir / "nested.arrow") + " 2>&1", rc);
  ASSERT_EQ(rc, 0) << text;
  Json j = Json::parse(text);
  EXPECT_EQ(j["fields"][0]["type"], "Struct<{a:Int64, b:List<Utf8>}>");
  EXPECT_EQ(j["rows"][0], nested.row(0));
  EXPECT_EQ(j["rows"][1], nested.row(1));
}
