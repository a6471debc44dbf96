// `cuddle dataset info|head|convert|split` end to end through the binary.
#include <gtest/gtest.h>

#include "cuddle/datasets.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::datasets;

TEST(DatasetCli, InfoHeadConvertSplit) {
  const std::string src = test::fixture("tabular/topics.arrow");
  auto r = test::run_cli({"dataset", "info", src, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json info = Json::parse(r.out);
  EXPECT_EQ(info["splits"]["train"]["num_rows"], 1000);
  EXPECT_EQ(info["splits"]["train"]["features"]["tokens"]["_type"], "List");
  r = test::run_cli({"dataset", "info", src});
  EXPECT_NE(r.out.find("tokens: List(Value('int32'))"), std::string::npos) << r.out;

  r = test::run_cli({"dataset", "head", src, "-n", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Dataset ds = read_arrow(src);
  EXPECT_EQ(r.out, ds.row(0).dump() + "\n" + ds.row(1).dump() + "\n");
  r = test::run_cli({"dataset", "head", src, "-n", "1"});
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "idx | text | label | score | flag | small | tokens");

  test::TempDir dir;
  r = test::run_cli({"dataset", "convert", src, dir / "t.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json(dir / "t.jsonl").row(999), ds.row(999));
  r = test::run_cli({"dataset", "convert", src, dir / "t.parquet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Dataset pq = load_file(dir / "t.parquet");
  for (int64_t i : {0, 500, 999}) EXPECT_EQ(pq.row(i), ds.row(i));
  r = test::run_cli({"dataset", "split", src, "--test-size", "0.1", "--seed", "3", "--out", dir / "split"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DatasetDict dd = load_dataset_dict_from_disk(dir / "split");
  auto perm = numpy_permutation(3, 1000);
  EXPECT_EQ(dd["test"].row(0)["idx"], perm[0]);
  EXPECT_EQ(dd["train"].row(0)["idx"], perm[100]);
  r = test::run_cli({"dataset", "head", dir / "split", "--split", "test", "-n", "1", "--json"});
  EXPECT_EQ(Json::parse(r.out)["idx"], perm[0]);
}

TEST(DatasetCli, BadInputIsOneErrorAndNonZeroExit) {
  test::TempDir dir;
  test::write_file(dir / "bad.csv", "a,b\n1,2\n3\n");
  auto r = test::run_cli({"dataset", "head", dir / "bad.csv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("bad.csv: line 3: expected 2 fields, saw 1"), std::string::npos) << r.err;
  r = test::run_cli({"dataset", "split", test::fixture("tabular/topics.arrow"), "--test-size", "2000", "--out", dir / "o"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("should be either positive and smaller than the number of rows"), std::string::npos) << r.err;
  r = test::run_cli({"dataset", "head", dir / "split-missing", "--split", "x"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST(DatasetCli, ImageFolderAndSplitExpressions) {
  const std::string src = test::fixture("digits_imagefolder");
  auto r = test::run_cli({"dataset", "info", src, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json info = Json::parse(r.out);
  EXPECT_EQ(info["splits"]["train"]["num_rows"], 50);
  EXPECT_EQ(info["splits"]["validation"]["features"]["label"]["names"].size(), 10u);
  r = test::run_cli({"dataset", "head", src, "--split", "validation[:10%]+train[-2:]", "-n", "10", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> labels;
  for (size_t pos = 0, nl; (nl = r.out.find('\n', pos)) != std::string::npos; pos = nl + 1)
    labels.push_back(Json::parse(r.out.substr(pos, nl - pos))["label"].get<int64_t>());
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 0, 0, 0, 0, 9, 9}));
  test::TempDir dir;
  r = test::run_cli({"dataset", "split", src, "--split", "train", "--test-size", "0.2", "--stratify-by-column", "label",
                     "--out", dir / "s"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DatasetDict dd = load_dataset_dict_from_disk(dir / "s");
  std::vector<int64_t> per_class(10, 0);
  for (const auto& v : dd["test"].column_values("label")) ++per_class[static_cast<size_t>(v.get<int64_t>())];
  EXPECT_EQ(per_class, std::vector<int64_t>(10, 1));  // 10 test rows, one of each digit
  r = test::run_cli({"dataset", "head", src, "--split", "train[:101%]"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("split 'train[:101%]'"), std::string::npos) << r.err;
}
