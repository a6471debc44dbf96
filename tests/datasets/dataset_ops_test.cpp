// train_test_split with train_size and stratify_by_column, map with indices and threads,
// cast_column. Split sizes follow datasets' arithmetic (test rounded up, train down); the
// unstratified rows are numpy's permutation (checked against numpy in dataset_test.cpp).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cuddle/dataset_format.h"
#include "cuddle/dataset_image.h"
#include "cuddle/datasets.h"
#include "test_util.h"

namespace cuddle::datasets {
namespace {

Dataset indexed(int64_t n) {
  std::vector<Json> rows;
  for (int64_t i = 0; i < n; ++i) rows.push_back(Json{{"idx", i}});
  return Dataset::from_rows(rows);
}

std::vector<int64_t> ints(const std::vector<Json>& v) {
  std::vector<int64_t> out;
  for (const auto& x : v) out.push_back(x.get<int64_t>());
  return out;
}

// `counts[c]` rows of class c, classes interleaved, as a ClassLabel column "label".
Dataset labelled(const std::vector<int64_t>& counts) {
  std::vector<Json> rows;
  std::vector<int64_t> left = counts;
  for (bool more = true; more;) {
    more = false;
    for (size_t c = 0; c < left.size(); ++c)
      if (left[c] > 0) {
        rows.push_back(Json{{"idx", static_cast<int64_t>(rows.size())}, {"label", static_cast<int64_t>(c)}});
        --left[c];
        more = true;
      }
  }
  std::vector<std::string> names;
  for (size_t c = 0; c < counts.size(); ++c) names.push_back("c" + std::to_string(c));
  return Dataset::from_rows(rows).cast_column("label", Feature::class_label(names));
}

TEST(TrainTestSplit, TrainSizeAsDatasets) {
  const Dataset ds = indexed(20);
  const auto perm = numpy_permutation(5, 20);
  TrainTestSplitOptions o;
  o.seed = 5;
  o.train_size = 0.5;
  o.test_size = 0.25;
  DatasetDict dd = ds.train_test_split(o);
  EXPECT_EQ(ints(dd["test"].column_values("idx")), std::vector<int64_t>(perm.begin(), perm.begin() + 5));
  EXPECT_EQ(ints(dd["train"].column_values("idx")), std::vector<int64_t>(perm.begin() + 5, perm.begin() + 15));
  o.test_size.reset();
  o.train_size = 0.71;  // floor(14.2) = 14 train rows, 6 test rows
  dd = ds.train_test_split(o);
  EXPECT_EQ(dd["train"].num_rows(), 14);
  EXPECT_EQ(ints(dd["test"].column_values("idx")), std::vector<int64_t>(perm.begin(), perm.begin() + 6));
  o.train_size = 12;  // a row count
  EXPECT_EQ(ds.train_test_split(o)["test"].num_rows(), 8);
  o.train_size = 0.8;
  o.test_size = 0.3;
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.train_test_split(o); }).find("(0, 1)"), std::string::npos);
  o.train_size = 15;
  o.test_size = 6;
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.train_test_split(o); }).find("add up to 21"), std::string::npos);
  TrainTestSplitOptions none;  // test_size 0.25 by default
  EXPECT_EQ(ds.train_test_split(none)["test"].num_rows(), 5);
}

TEST(TrainTestSplit, StratifiedKeepsClassShares) {
  const Dataset ds = labelled({10, 20});
  TrainTestSplitOptions o;
  o.test_size = 0.3;  // 9 test rows, 21 train rows
  o.seed = 42;
  o.stratify_by_column = "label";
  DatasetDict dd = ds.train_test_split(o);
  auto count = [](const Dataset& d) {
    std::map<int64_t, int64_t> m;
    for (const auto& v : d.column_values("label")) ++m[v.get<int64_t>()];
    return m;
  };
  EXPECT_EQ(count(dd["train"]), (std::map<int64_t, int64_t>{{0, 7}, {1, 14}}));
  EXPECT_EQ(count(dd["test"]), (std::map<int64_t, int64_t>{{0, 3}, {1, 6}}));
  std::set<int64_t> seen;
  for (const auto* split : {&dd["train"], &dd["test"]})
    for (int64_t v : ints(split->column_values("idx"))) EXPECT_TRUE(seen.insert(v).second) << v;
  EXPECT_EQ(seen.size(), 30u);
  // The same seed gives the same rows; the features survive.
  EXPECT_EQ(ds.train_test_split(o)["train"].column_values("idx"), dd["train"].column_values("idx"));
  EXPECT_EQ(dd["train"].features()[1].second.kind, Feature::Kind::ClassLabel);

  // Remainders tie: 3 classes of 5 rows, 10 train rows -> 3 each plus one drawn by choice.
  o.test_size = 5;
  DatasetDict tie = labelled({5, 5, 5}).train_test_split(o);
  EXPECT_EQ(tie["train"].num_rows(), 10);
  EXPECT_EQ(tie["test"].num_rows(), 5);
  for (const auto& [label, n] : count(tie["test"])) EXPECT_GE(n, 1) << label;

  o.stratify_by_column = "idx";
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.train_test_split(o); }).find("not a ClassLabel"), std::string::npos);
  o.stratify_by_column = "label";
  EXPECT_NE(test::error_of<ShapeError>([&] { labelled({1, 9}).train_test_split(o); }).find("only 1 row"), std::string::npos);
}

TEST(Map, WithIndicesAndThreads) {
  const Dataset ds = indexed(100);
  auto twice = [](const arrow::Table&, const std::vector<int64_t>& indices) {
    arrow::ArrayBuilder b(arrow::int64());
    for (int64_t i : indices) b.append_int(i * 2);
    return arrow::make_table({arrow::Field{"twice", arrow::int64(), true, {}}}, {b.finish()});
  };
  MapOptions o;
  o.batched = true;
  o.batch_size = 7;
  const Dataset one = ds.map_with_indices(twice, o);
  o.num_threads = 4;
  const Dataset four = ds.map_with_indices(twice, o);
  ASSERT_EQ(four.num_rows(), 100);
  EXPECT_EQ(four.column_values("twice"), one.column_values("twice"));
  EXPECT_EQ(four.row(99), (Json{{"idx", 99}, {"twice", 198}}));
  auto fails = [](const arrow::Table& batch, const std::vector<int64_t>& indices) -> arrow::Table {
    if (indices[0] == 49) throw ShapeError("batch at 49 failed");
    return arrow::slice_rows(batch, 0, batch.num_rows);
  };
  EXPECT_EQ(test::error_of<ShapeError>([&] { ds.map_with_indices(fails, o); }), "batch at 49 failed");
}

TEST(CastColumn, ConvertsOrNamesTheRow) {
  const Dataset ds = Dataset::from_rows({Json{{"s", "pos"}, {"x", 1}, {"f", 2.0}}, Json{{"s", "neg"}, {"x", 2}, {"f", 1.5}}});
  const Dataset labels = ds.cast_column("s", Feature::class_label({"neg", "pos"}));
  EXPECT_EQ(labels.column_values("s"), (std::vector<Json>{1, 0}));
  EXPECT_EQ(labels.features()[0].second.kind, Feature::Kind::ClassLabel);
  EXPECT_EQ(ds.cast_column("x", Feature::value("float32")).table().schema.fields[1].type->id, arrow::Type::Float32);
  EXPECT_EQ(ds.cast_column("x", Feature::value("string")).column_values("x"), (std::vector<Json>{"1", "2"}));
  std::string e = test::error_of<ShapeError>([&] { ds.cast_column("f", Feature::value("int64")); });
  EXPECT_NE(e.find("row 1"), std::string::npos) << e;
  e = test::error_of<ShapeError>([&] { ds.cast_column("s", Feature::class_label({"neg"})); });
  EXPECT_NE(e.find("row 0: 'pos' is not one of the ClassLabel names"), std::string::npos) << e;
  EXPECT_NE(test::error_of<ShapeError>([&] { ds.cast_column("nope", Feature::value("int64")); }), "");

  // Paths cast to Image decode on access.
  const std::string png = test::fixture("digits_imagefolder/train/0/0020.png");
  const Dataset images = Dataset::from_rows({Json{{"file", png}}}).cast_column("file", Feature::image());
  EXPECT_EQ(image_at(images, 0, "file").rgb, load_image(png).rgb);
}

TEST(Format, TensorsAsTheTorchFormatter) {
  const Dataset ds = Dataset::from_rows({Json{{"x", 1}, {"f", 0.5}, {"ids", {1, 2}}, {"b", true}, {"t", "a"}},
                                         Json{{"x", 2}, {"f", 1.5}, {"ids", {3, 4}}, {"b", false}, {"t", "b"}},
                                         Json{{"x", 3}, {"f", 2.5}, {"ids", {5}}, {"b", true}, {"t", "c"}}});
  TensorBatch batch = TensorView(ds, {"x", "f", "ids", "b"}).batch(0, 2);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0].second.dtype(), DType::I64);
  EXPECT_EQ(batch[0].second.shape(), (Shape{2}));
  EXPECT_EQ(batch[0].second.data<int64_t>()[1], 2);
  EXPECT_EQ(batch[1].second.dtype(), DType::F32);  // float64 values become float32
  EXPECT_EQ(batch[1].second.data<float>()[1], 1.5f);
  EXPECT_EQ(batch[2].second.shape(), (Shape{2, 2}));
  EXPECT_EQ(batch[2].second.data<int64_t>()[3], 4);
  EXPECT_EQ(batch[3].second.dtype(), DType::Bool);
  EXPECT_NE(test::error_of<ShapeError>([&] { to_tensors(ds, 1, 3, {"ids"}); }).find("different lengths"), std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { to_tensors(ds, 0, 1, {"t"}); }).find("column 't'"), std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { to_tensors(ds, 2, 4); }).find("out of range"), std::string::npos);
}

TEST(Format, TransformRunsOnRead) {
  int calls = 0;
  TransformedDataset t(indexed(10), [&](const arrow::Table& batch) {
    ++calls;
    std::vector<Json> rows;
    for (const auto& v : Dataset(batch).column_values("idx")) rows.push_back(Json{{"square", v.get<int64_t>() * v.get<int64_t>()}});
    return Dataset::from_rows(rows).table();
  });
  EXPECT_EQ(calls, 0);  // nothing runs until a row is read
  EXPECT_EQ(t.row(7), (Json{{"square", 49}}));
  EXPECT_EQ(t.batch(2, 5).num_rows, 3);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(t.dataset().column_names(), (std::vector<std::string>{"idx"}));
}

}  // namespace
}  // namespace cuddle::datasets
