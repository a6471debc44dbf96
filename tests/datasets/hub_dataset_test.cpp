// Hub dataset repos against an in-process `cuddle hub serve`: push_to_hub writes Parquet
// shards and a dataset card, load_dataset of the repo id reads them back through the
// huggingface_hub cache (datasets--org--name), pinned revisions give the older rows.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "cuddle/dataset_hub.h"
#include "cuddle/load_dataset.h"
#include "hub_test_util.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {
namespace {

// The environment the library reads (HubConfig::from_env), pointed at the test server.
class HubEnv {
 public:
  explicit HubEnv(const test::HubServer& server) {
    setenv("HF_ENDPOINT", server.url().c_str(), 1);
    setenv("HF_TOKEN", test::kToken.c_str(), 1);
    setenv("HF_HUB_CACHE", cache_.path().c_str(), 1);
    unsetenv("HF_HUB_OFFLINE");
  }
  ~HubEnv() {
    for (const char* v : {"HF_ENDPOINT", "HF_TOKEN", "HF_HUB_CACHE"}) unsetenv(v);
  }
  const std::string& cache() const { return cache_.path(); }

 private:
  test::TempDir cache_;
};

Dataset labelled(int64_t n) {
  std::vector<Json> rows;
  for (int64_t i = 0; i < n; ++i) rows.push_back(Json{{"text", "row " + std::to_string(i)}, {"label", i % 2}, {"ids", {i, i + 1}}});
  Dataset ds = Dataset::from_rows(rows);
  Features f = ds.features();
  f[1].second = Feature::class_label({"neg", "pos"});
  return Dataset(ds.table(), f);
}

TEST(HubDataset, PushThenLoadWithRevisions) {
  test::HubServer server;
  HubEnv env(server);
  DatasetDict dd;
  dd.splits.emplace_back("train", labelled(5));
  dd.splits.emplace_back("test", labelled(2));
  const std::string first = push_to_hub(dd, "org/ds");
  ASSERT_EQ(first.size(), 40u);

  DatasetDict back = load_dataset("org/ds");
  ASSERT_EQ(back.splits.size(), 2u);
  EXPECT_EQ(back.splits[0].first, "train");
  EXPECT_EQ(back.splits[1].first, "test");
  EXPECT_EQ(back["train"].num_rows(), 5);
  EXPECT_EQ(features_to_json(back["train"].features()), features_to_json(dd["train"].features()));
  EXPECT_EQ(back["test"].row(1), dd["test"].row(1));
  EXPECT_TRUE(fs::is_directory(env.cache() + "/datasets--org--ds/snapshots/" + first));

  // The card as datasets writes it.
  const std::string card = test::read_file(env.cache() + "/datasets--org--ds/snapshots/" + first + "/README.md");
  for (const char* want : {"configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n",
                           "  - name: label\n    dtype:\n      class_label:\n        names:\n          '0': neg\n",
                           "  - name: ids\n    list: int64\n", "  - name: train\n    num_bytes: ", "    num_examples: 5\n"})
    EXPECT_NE(card.find(want), std::string::npos) << want << "\n---\n" << card;

  // A second push replaces the train shards; the first commit still reads as it was.
  dd.splits[0].second = labelled(3);
  const std::string second = push_to_hub(dd.splits[0].second, "org/ds");
  EXPECT_NE(second, first);
  EXPECT_EQ(load_dataset("org/ds", "train").num_rows(), 3);
  EXPECT_EQ(load_dataset("org/ds", "test").num_rows(), 2);  // the test split stays listed
  LoadDatasetOptions pinned;
  pinned.revision = first;
  EXPECT_EQ(load_dataset("org/ds", "train[:60%]", pinned).num_rows(), 3);
  EXPECT_EQ(load_dataset("org/ds", "train", pinned).num_rows(), 5);

  EXPECT_NE(test::error_of([&] { load_dataset("org/missing"); }), "");
}

TEST(HubDataset, CliPushAndInfo) {
  test::HubServer server;
  HubEnv env(server);
  test::TempDir dir;
  test::write_file(dir / "train.csv", "a,b\n1,x\n2,y\n3,z\n");
  test::write_file(dir / "test.csv", "a,b\n4,w\n");
  auto r = test::run_cli({"dataset", "push", dir.path(), "org/cli"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("split train: 3 rows"), std::string::npos) << r.out;
  r = test::run_cli({"dataset", "info", "org/cli", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json info = Json::parse(r.out);
  EXPECT_EQ(info["splits"]["train"]["num_rows"], 3);
  EXPECT_EQ(info["splits"]["test"]["num_rows"], 1);
  r = test::run_cli({"dataset", "head", "org/cli", "--split", "train[-1:]", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out), (Json{{"a", 3}, {"b", "z"}}));
}

}  // namespace
}  // namespace cuddle::datasets
