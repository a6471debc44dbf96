// Dataset operations with datasets' semantics: select / filter / map (batched and by
// row) / rename / remove / class_encode_column, Features in datasets' JSON form, and
// shuffle / train_test_split with numpy's default_rng(seed).permutation row order
// (vendored numpy output, plus a live numpy run when /usr/bin/python3 has numpy).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "cuddle/datasets.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::datasets;

namespace {

Dataset topics() { return read_arrow(test::fixture("tabular/topics.arrow")); }

std::vector<int64_t> ints(const std::vector<Json>& v) {
  std::vector<int64_t> out;
  for (const auto& x : v) out.push_back(x.get<int64_t>());
  return out;
}

// A one-column table of int64 values.
arrow::Table int_column(const std::string& name, const std::vector<int64_t>& values) {
  arrow::ArrayBuilder b(arrow::int64());
  for (auto v : values) b.append_int(v);
  return arrow::make_table({arrow::Field{name, arrow::int64(), true, {}}}, {b.finish()});
}

}  // namespace

TEST(NumpyPermutation, MatchesVendoredNumpyOutput) {
  Json cases = Json::parse(test::read_file(test::fixture("tabular/numpy_permutations.json")));
  ASSERT_EQ(cases["cases"].size(), 20u);
  for (const auto& c : cases["cases"]) {
    auto got = numpy_permutation(c["seed"].get<uint64_t>(), c["n"].get<int64_t>());
    EXPECT_EQ(Json(got), c["permutation"]) << "seed " << c["seed"] << " n " << c["n"];
  }
}

TEST(NumpyPermutation, MatchesLiveNumpy) {
  // 100k rows exercise long rejection runs; seeds beyond 32 bits use two entropy words.
  FILE* p = popen("/usr/bin/python3 -c 'import numpy as np; print(\" \".join(map(str, np.random.default_rng("
                  "123456789012).permutation(100000).tolist())))' 2>/dev/null",
                  "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[65536];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  if (pclose(p) != 0 || text.empty()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  std::vector<int64_t> want;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find_first_of(" \n", pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) want.push_back(std::stoll(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  EXPECT_EQ(numpy_permutation(123456789012ULL, 100000), want);
}

TEST(Dataset, ShuffleAndTrainTestSplitFollowTheNumpyPermutation) {
  Dataset ds = topics();
  auto perm = numpy_permutation(42, 1000);
  Dataset s = ds.shuffle(42);
  ASSERT_EQ(s.num_rows(), 1000);
  for (int64_t i : {0, 1, 500, 999}) EXPECT_EQ(s.row(i), ds.row(perm[static_cast<size_t>(i)]));
  // datasets: n_test = ceil(0.15 * 1000) = 150, test = perm[:150], train = perm[150:].
  DatasetDict dd = ds.train_test_split(0.15, 42);
  ASSERT_EQ(dd.splits.size(), 2u);
  EXPECT_EQ(dd.splits[0].first, "train");
  EXPECT_EQ(dd["test"].num_rows(), 150);
  EXPECT_EQ(dd["train"].num_rows(), 850);
  EXPECT_EQ(ints(dd["test"].column_values("idx")), std::vector<int64_t>(perm.begin(), perm.begin() + 150));
  EXPECT_EQ(ints(dd["train"].column_values("idx")), std::vector<int64_t>(perm.begin() + 150, perm.end()));
  EXPECT_EQ(ds.train_test_split(0.001, 1)["test"].num_rows(), 1);  // ceil(1.0)
  EXPECT_EQ(ds.train_test_split(7, 1)["test"].num_rows(), 7);       // a row count
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.train_test_split(1000, 0); }).find("should be either positive and smaller than the number of rows"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.train_test_split(-0.5, 0); }).find("test_size"), std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { (void)dd["validation"]; }).find("train, test"), std::string::npos);
}

TEST(Dataset, SelectFilterSliceRenameRemove) {
  Dataset ds = topics();
  Dataset sel = ds.select({5, 0, 5});
  EXPECT_EQ(ints(sel.column_values("idx")), (std::vector<int64_t>{5, 0, 5}));
  Dataset comp = ds.filter([](const Json& r) { return r["label"] == "computers"; });
  EXPECT_EQ(comp.num_rows(), 288);  // expected.json's label_counts
  Dataset sl = ds.slice(998, 2000);
  EXPECT_EQ(ints(sl.column_values("idx")), (std::vector<int64_t>{998, 999}));
  Dataset r = ds.rename_column("text", "sentence").remove_columns({"tokens", "small"});
  EXPECT_EQ(r.column_names(), (std::vector<std::string>{"idx", "sentence", "label", "score", "flag"}));
  EXPECT_EQ(r.features()[1].first, "sentence");
  EXPECT_EQ(r.row(0)["sentence"], ds.row(0)["text"]);
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.remove_columns({"nope"}); }).find("column 'nope' not found"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.rename_column("idx", "text"); }).find("already exists"), std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.select({1000}); }).find("index 1000 out of range"), std::string::npos);
}

TEST(Dataset, BatchedMapAddsReplacesAndRemovesColumns) {
  Dataset ds = topics();
  std::vector<int64_t> batch_sizes;
  MapOptions opt;
  opt.batched = true;
  opt.batch_size = 300;
  opt.remove_columns = {"tokens"};
  Dataset m = ds.map(
      [&](const arrow::Table& batch) {
        batch_sizes.push_back(batch.num_rows);
        // The removed column is still visible to the function, as in datasets.
        EXPECT_GE(batch.schema.index_of("tokens"), 0);
        std::vector<int64_t> lengths, doubled;
        const arrow::Column& text = batch.column("text");
        const arrow::Column& idx = batch.column("idx");
        for (int64_t i = 0; i < batch.num_rows; ++i) {
          auto [chunk, k] = text.locate(i);
          lengths.push_back(static_cast<int64_t>(chunk->bytes(k).size()));
          auto [ichunk, ik] = idx.locate(i);
          doubled.push_back(ichunk->value<int64_t>(ik) * 2);
        }
        arrow::Table out = int_column("length", lengths);
        arrow::Table d = int_column("idx", doubled);
        out.schema.fields.push_back(d.schema.fields[0]);
        out.columns.push_back(d.columns[0]);
        return out;
      },
      opt);
  EXPECT_EQ(batch_sizes, (std::vector<int64_t>{300, 300, 300, 100}));
  EXPECT_EQ(m.column_names(), (std::vector<std::string>{"idx", "text", "label", "score", "flag", "small", "length"}));
  EXPECT_EQ(m.row(999)["idx"], 1998);
  EXPECT_EQ(m.row(0)["length"], std::string("Laetrile is the pits.").size());

  // Changing the row count needs every input column removed (here: one row per batch).
  MapOptions all;
  all.batched = true;
  all.batch_size = 250;
  all.remove_columns = ds.column_names();
  Dataset counts = ds.map([](const arrow::Table& b) { return int_column("rows", {b.num_rows}); }, all);
  EXPECT_EQ(ints(counts.column_values("rows")), (std::vector<int64_t>{250, 250, 250, 250}));
  std::string e = test::error_of<ShapeError>([&] {
    ds.map([](const arrow::Table& b) { return int_column("rows", {b.num_rows}); }, MapOptions{true, 500, {}});
  });
  EXPECT_NE(e.find("remove every input column"), std::string::npos) << e;
  e = test::error_of<ShapeError>([&] { ds.map([](const arrow::Table& b) { return b; }, MapOptions{false, 1, {"x"}}); });
  EXPECT_NE(e.find("column 'x' not found"), std::string::npos) << e;
}

TEST(Dataset, RowMapAndClassEncodeColumn) {
  Dataset ds = topics().slice(0, 50);
  Dataset m = ds.map_rows([](const Json& r) { return Json{{"upper", r["label"].get<std::string>().substr(0, 3)}}; },
                          {"text"});
  EXPECT_EQ(m.column_names().back(), "upper");
  EXPECT_EQ(m.row(0)["upper"], "med");
  EXPECT_EQ(m.table().schema.index_of("text"), -1);

  Dataset enc = topics().class_encode_column("label");
  const Feature& f = enc.features()[2].second;
  ASSERT_EQ(f.kind, Feature::Kind::ClassLabel);
  // Sorted distinct labels: the keys of expected.json's label_counts.
  EXPECT_EQ(f.names, (std::vector<std::string>{"computers", "food", "law", "love", "medicine", "pets", "politics",
                                               "science", "sports", "startrek"}));
  EXPECT_EQ(enc.row(0)["label"], 4);  // medicine
  EXPECT_EQ(enc.row(1)["label"], 0);  // computers
  EXPECT_EQ(features_to_json(enc.features())["label"],
            Json::parse(R"({"names":["computers","food","law","love","medicine","pets","politics","science","sports","startrek"],"_type":"ClassLabel"})"));
  // A ClassLabel column keeps its feature through a map that leaves its type alone.
  Dataset kept = enc.map_rows([](const Json& r) { return Json{{"label", r["label"]}}; });
  EXPECT_EQ(kept.features()[2].second.kind, Feature::Kind::ClassLabel);
  // Numbers are sorted by their Python str(): "10" < "9".
  Dataset nums = Dataset::from_rows({Json{{"n", 9}}, Json{{"n", 10}}, Json{{"n", nullptr}}}).class_encode_column("n");
  EXPECT_EQ(nums.features()[0].second.names, (std::vector<std::string>{"10", "9"}));
  EXPECT_EQ(nums.column_values("n"), (std::vector<Json>{1, 0, nullptr}));
  Dataset bools = Dataset::from_rows({Json{{"b", true}}, Json{{"b", false}}, Json{{"f", 1.0}}}).class_encode_column("b");
  EXPECT_EQ(bools.features()[0].second.names, (std::vector<std::string>{"False", "True"}));
}

TEST(Features, JsonFormAndArrowTypes) {
  Json j = Json::parse(R"({
    "text": {"dtype": "string", "_type": "Value"},
    "label": {"names": ["neg", "pos"], "_type": "ClassLabel"},
    "ids": {"feature": {"dtype": "int32", "_type": "Value"}, "_type": "List"},
    "old": {"feature": {"dtype": "float32", "_type": "Value"}, "length": 3, "id": null, "_type": "Sequence"},
    "nested": {"a": {"dtype": "double", "_type": "Value"}, "b": [{"dtype": "bool", "_type": "Value"}]},
    "seqdict": {"feature": {"x": {"dtype": "int64", "_type": "Value"}}, "_type": "Sequence"},
    "big": {"feature": {"dtype": "large_string", "_type": "Value"}, "_type": "LargeList"},
    "ts": {"dtype": "timestamp[us, tz=UTC]", "_type": "Value"}
  })");
  Features f = features_from_json(j, "mem");
  std::vector<std::string> types;
  for (const auto& [name, feature] : f) types.push_back(arrow::type_to_string(*feature_type(feature)));
  EXPECT_EQ(types, (std::vector<std::string>{"string", "int64", "list<item: int32>", "fixed_size_list<item: float>[3]",
                                             "struct<a: double, b: list<item: bool>>", "struct<x: list<item: int64>>",
                                             "large_list<item: large_string>", "timestamp[us, tz=UTC]"}));
  Json back = features_to_json(f);
  EXPECT_EQ(back["old"], Json::parse(R"({"feature":{"dtype":"float32","_type":"Value"},"length":3,"_type":"List"})"));
  EXPECT_EQ(back["nested"]["a"]["dtype"], "float64");
  EXPECT_EQ(features_from_json(back, "again").size(), f.size());
  std::string e = test::error_of<FormatError>([] { features_from_json(Json::parse(R"({"a": {"dtype": "int128", "_type": "Value"}})"), "info.json"); });
  EXPECT_NE(e.find("info.json: a"), std::string::npos) << e;
  EXPECT_NE(e.find("int128"), std::string::npos) << e;
  e = test::error_of<FormatError>([] { features_from_json(Json::parse(R"({"a": {"_type": "Audio"}})"), "info.json"); });
  EXPECT_NE(e.find("'Audio' is not supported"), std::string::npos) << e;
  // Derived from Arrow types as datasets' generate_from_arrow_type does.
  Dataset ds = topics();
  EXPECT_EQ(features_to_json(ds.features()).dump(),
            R"({"idx":{"dtype":"int64","_type":"Value"},"text":{"dtype":"string","_type":"Value"},)"
            R"("label":{"dtype":"string","_type":"Value"},"score":{"dtype":"float64","_type":"Value"},)"
            R"("flag":{"dtype":"bool","_type":"Value"},"small":{"dtype":"int32","_type":"Value"},)"
            R"("tokens":{"feature":{"dtype":"int32","_type":"Value"},"_type":"List"}})");
  EXPECT_NE(test::error_of<ShapeError>([&] { Dataset(ds.table(), Features{}); }).find("features name 0 columns"),
            std::string::npos);
}

TEST(Dataset, SortShardConcatenate) {
  Dataset ds = topics();
  Dataset by_score = ds.sort("score");
  std::vector<Json> scores = by_score.column_values("score");
  // 909 non-null scores ascending, then expected.json's 91 nulls.
  for (size_t i = 1; i < 909; ++i) ASSERT_LE(scores[i - 1].get<double>(), scores[i].get<double>()) << i;
  for (size_t i = 909; i < 1000; ++i) ASSERT_TRUE(scores[i].is_null()) << i;
  Dataset desc = ds.sort("score", true);
  EXPECT_GE(desc.row(0)["score"].get<double>(), desc.row(1)["score"].get<double>());
  EXPECT_TRUE(desc.row(999)["score"].is_null());
  // Stable: equal labels keep their original order.
  Dataset by_label = ds.sort("label");
  EXPECT_EQ(by_label.row(0)["label"], "computers");
  EXPECT_EQ(by_label.row(0)["idx"], 1);
  // datasets' contiguous shards of 1000 rows in 3: 334, 333, 333.
  EXPECT_EQ(ds.shard(3, 0).num_rows(), 334);
  EXPECT_EQ(ds.shard(3, 1).row(0)["idx"], 334);
  EXPECT_EQ(ds.shard(3, 2).row(0)["idx"], 667);
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.shard(3, 3); }).find("out of range"), std::string::npos);
  Dataset both = concatenate_datasets({ds.shard(3, 2), ds.shard(3, 0)});
  EXPECT_EQ(both.num_rows(), 667);
  EXPECT_EQ(both.row(333)["idx"], 0);
  std::string e = test::error_of<ShapeError>([&] { concatenate_datasets({ds, ds.class_encode_column("label")}); });
  EXPECT_NE(e.find("dataset 1 has features"), std::string::npos) << e;
}
