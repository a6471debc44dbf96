// load_dataset: data_files patterns and datasets' split inference from file and folder
// names, the packaged builders, README.md configs, and imagefolder on a vendored subset of
// the digits image folder (5 PNGs per class per split).
#include <gtest/gtest.h>

#include <filesystem>

#include "cuddle/dataset_image.h"
#include "cuddle/load_dataset.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace cuddle::datasets {
namespace {

void touch(const test::TempDir& dir, const std::string& rel, const std::string& text = "a\n1\n") {
  fs::create_directories(fs::path(dir / rel).parent_path());
  test::write_file(dir / rel, text);
}

std::vector<std::string> relative(const std::vector<std::string>& files, const test::TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(fs::relative(f, dir.path()).generic_string());
  return out;
}

std::vector<std::string> split_names(const DatasetDict& dd) {
  std::vector<std::string> out;
  for (const auto& [name, _] : dd.splits) out.push_back(name);
  return out;
}

TEST(ResolvePattern, GlobsAsFsspec) {
  test::TempDir dir;
  for (const char* f : {"a.csv", "b.csv", "sub/c.csv", "sub/deep/d.csv", ".hidden.csv", ".git/e.csv",
                        "__pycache__/f.csv", "README.md", "x1.txt", "x2.txt"})
    touch(dir, f);
  using V = std::vector<std::string>;
  EXPECT_EQ(relative(resolve_pattern("*.csv", dir.path()), dir), (V{"a.csv", "b.csv"}));
  EXPECT_EQ(relative(resolve_pattern("**/*.csv", dir.path()), dir), (V{"a.csv", "b.csv", "sub/c.csv", "sub/deep/d.csv"}));
  EXPECT_EQ(relative(resolve_pattern("**", dir.path()), dir),
            (V{"a.csv", "b.csv", "sub/c.csv", "sub/deep/d.csv", "x1.txt", "x2.txt"}));  // no README.md, hidden, __x
  EXPECT_EQ(relative(resolve_pattern(".*", dir.path()), dir), (V{".hidden.csv"}));
  EXPECT_EQ(relative(resolve_pattern("__*/*", dir.path()), dir), (V{"__pycache__/f.csv"}));
  EXPECT_EQ(relative(resolve_pattern("README.md", dir.path()), dir), (V{"README.md"}));
  EXPECT_EQ(relative(resolve_pattern("x[!1].txt", dir.path()), dir), (V{"x2.txt"}));
  EXPECT_EQ(relative(resolve_pattern("sub/*", dir.path()), dir), (V{"sub/c.csv"}));
  EXPECT_EQ(relative(resolve_pattern(dir / "sub/**", ""), dir), (V{"sub/c.csv", "sub/deep/d.csv"}));
  EXPECT_EQ(relative(resolve_pattern("**", dir.path(), {".txt"}), dir), (V{"x1.txt", "x2.txt"}));
  EXPECT_NE(test::error_of<IoError>([&] { resolve_pattern("*.json", dir.path()); }).find("unable to find '*.json'"),
            std::string::npos);
  EXPECT_NE(test::error_of<IoError>([&] { resolve_pattern("sub", dir.path()); }).find("unable to find"), std::string::npos);
  // Patterns come from dataset cards: many wildcards must not backtrack exponentially.
  touch(dir, "deep/" + std::string(200, 'a'));
  EXPECT_NE(test::error_of<IoError>([&] { resolve_pattern("**/**/**/**/**/**/**/**/*a*a*a*a*a*a*a*a*a*a*a*a*a*b", dir.path()); }), "");
}

TEST(InferDataPatterns, SplitsFromNames) {
  {
    test::TempDir dir;
    for (const char* f : {"train.csv", "test.csv", "my_dev.csv"}) touch(dir, f);
    auto p = infer_data_patterns(dir.path());
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0].first, "train");
    EXPECT_EQ(p[1].first, "validation");  // "dev" after a separator
    EXPECT_EQ(p[2].first, "test");
  }
  {
    test::TempDir dir;
    for (const char* f : {"data/test-00000-of-00001.parquet", "data/train-00000-of-00002.parquet",
                          "data/train-00001-of-00002.parquet", "data/extra-00000-of-00001.parquet"})
      touch(dir, f);
    auto p = infer_data_patterns(dir.path());
    ASSERT_EQ(p.size(), 3u);  // train, validation, test first, then the others sorted
    EXPECT_EQ(p[0].first, "train");
    EXPECT_EQ(p[1].first, "test");
    EXPECT_EQ(p[2].first, "extra");
    EXPECT_EQ(relative(resolve_pattern(p[0].second[0], dir.path()), dir),
              (std::vector<std::string>{"data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"}));
  }
  {
    test::TempDir dir;
    for (const char* f : {"training/a.csv", "validation/b.csv", "notes/c.csv"}) touch(dir, f);
    auto p = infer_data_patterns(dir.path());
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].first, "train");
    EXPECT_EQ(p[1].first, "validation");
  }
  {
    test::TempDir dir;
    touch(dir, "everything.csv");
    auto p = infer_data_patterns(dir.path());
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0], (std::pair<std::string, std::vector<std::string>>{"train", {"**"}}));
  }
}

TEST(LoadDataset, BuildersWithDataFiles) {
  test::TempDir dir;
  touch(dir, "a.csv", "x,y\n1,p\n2,q\n");
  touch(dir, "b.csv", "x,y\n3,r\n");
  touch(dir, "t.csv", "x,y\n9,z\n");
  touch(dir, "bad.csv", "x\n1\n");
  LoadDatasetOptions o;
  o.data_dir = dir.path();
  o.data_files = {{"train", {"[ab].csv"}}, {"test", {"t.csv"}}};
  DatasetDict dd = load_dataset("csv", o);
  EXPECT_EQ(split_names(dd), (std::vector<std::string>{"train", "test"}));
  EXPECT_EQ(dd["train"].column_values("x"), (std::vector<Json>{1, 2, 3}));
  EXPECT_EQ(dd["test"].column_values("y"), (std::vector<Json>{"z"}));

  Dataset part = load_dataset("csv", "train[1:]+test", o);
  EXPECT_EQ(part.column_values("x"), (std::vector<Json>{2, 3, 9}));

  o.data_files = data_files({dir / "a.csv", dir / "bad.csv"});
  std::string e = test::error_of<FormatError>([&] { load_dataset("csv", o); });
  EXPECT_NE(e.find("bad.csv"), std::string::npos) << e;
  EXPECT_NE(e.find("split 'train'"), std::string::npos) << e;

  o.data_files = data_files({"missing.csv"});
  EXPECT_NE(test::error_of<IoError>([&] { load_dataset("csv", o); }).find("missing.csv"), std::string::npos);
}

TEST(LoadDataset, FolderFileAndGlob) {
  test::TempDir dir;
  touch(dir, "data/train.jsonl", "{\"t\": \"a\"}\n{\"t\": \"b\"}\n");
  touch(dir, "data/test.jsonl", "{\"t\": \"c\"}\n");
  touch(dir, "data/notes.txt", "in no split: its name holds no split keyword\n");
  DatasetDict dd = load_dataset(dir.path());
  EXPECT_EQ(split_names(dd), (std::vector<std::string>{"train", "test"}));
  EXPECT_EQ(dd["train"].num_rows(), 2);
  EXPECT_EQ(load_dataset(dir / "data/test.jsonl").splits[0].first, "train");
  EXPECT_EQ(load_dataset(dir / "data/t*.jsonl", "train").num_rows(), 3);
  LoadDatasetOptions o;
  EXPECT_NE(test::error_of<IoError>([&] { load_dataset("missing/train.jsonl"); }).find("no such dataset folder, file"),
            std::string::npos);
  o.data_dir = "data";
  o.data_files = {{"only", {"test.jsonl"}}};
  EXPECT_EQ(split_names(load_dataset(dir.path(), o)), (std::vector<std::string>{"only"}));
}

TEST(LoadDataset, ReadmeConfigs) {
  test::TempDir dir;
  touch(dir, "a/x.csv", "v\n1\n2\n");
  touch(dir, "b/y.csv", "v\n3\n");
  touch(dir, "README.md",
        "---\nconfigs:\n- config_name: first\n  data_files:\n  - split: train\n    path: a/*.csv\n  - split: held\n"
        "    path: b/*.csv\n  default: true\n- config_name: second\n  data_files: b/y.csv\n---\n# card\n");
  DatasetDict dd = load_dataset(dir.path());
  EXPECT_EQ(split_names(dd), (std::vector<std::string>{"train", "held"}));
  EXPECT_EQ(dd["train"].num_rows(), 2);
  LoadDatasetOptions o;
  o.name = "second";
  EXPECT_EQ(load_dataset(dir.path(), "train", o).column_values("v"), (std::vector<Json>{3}));
  o.name = "third";
  EXPECT_NE(test::error_of<FormatError>([&] { load_dataset(dir.path(), o); }).find("the configs are: first, second"),
            std::string::npos);
}

TEST(ImageFolder, LabelsFromFolderNames) {
  const std::string root = test::fixture("digits_imagefolder");
  DatasetDict dd = load_dataset(root);
  ASSERT_EQ(split_names(dd), (std::vector<std::string>{"train", "validation"}));
  const Dataset& train = dd["train"];
  ASSERT_EQ(train.num_rows(), 50);
  ASSERT_EQ(train.features().size(), 2u);
  EXPECT_EQ(train.features()[0].first, "image");
  EXPECT_EQ(train.features()[0].second.kind, Feature::Kind::Image);
  EXPECT_EQ(train.features()[1].first, "label");
  EXPECT_EQ(train.features()[1].second.names,
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_EQ(features_to_json(train.features()).dump(),
            R"({"image":{"_type":"Image"},"label":{"names":["0","1","2","3","4","5","6","7","8","9"],"_type":"ClassLabel"}})");
  // Rows in path order: train/0/*.png first, 5 per class.
  const Json first = train.row(0);
  EXPECT_TRUE(first["image"]["bytes"].is_null());
  EXPECT_EQ(fs::path(first["image"]["path"].get<std::string>()).lexically_relative(fs::weakly_canonical(root)).generic_string(),
            "train/0/0020.png");
  std::vector<Json> labels = train.column_values("label");
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(labels[i], i / 5) << i;

  // The same through the builder name and data_dir; a slice of a split.
  LoadDatasetOptions o;
  o.data_dir = root;
  EXPECT_EQ(load_dataset("imagefolder", "validation[:10%]", o).num_rows(), 5);
}

TEST(ImageFolder, DecodesLazilyOnAccess) {
  const std::string root = test::fixture("digits_imagefolder");
  Dataset ds = load_dataset(root, "validation[-1:]");
  const std::string path = ds.row(0)["image"]["path"].get<std::string>();
  Image got = image_at(ds, 0);
  Image want = load_image(path);
  EXPECT_GT(got.width, 0);
  EXPECT_EQ(got.width, want.width);
  EXPECT_EQ(got.height, want.height);
  EXPECT_EQ(got.rgb, want.rgb);
  EXPECT_NE(test::error_of<ShapeError>([&] { image_at(ds, 1); }).find("row 1 out of range"), std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { image_at(ds, 0, "label"); }).find("not an Image"), std::string::npos);

  // Bytes stored in the row win over the path; a file that is not an image names the row.
  test::TempDir dir;
  test::write_file(dir / "x.png", "not a png");
  const Json value = {{"bytes", nullptr}, {"path", dir / "x.png"}};
  Dataset bad(arrow::make_table({{"image", feature_type(Feature::image()), true, {}}},
                         {arrow::array_from_json({&value}, feature_type(Feature::image()))}),
              {{"image", Feature::image()}});
  std::string e = test::error_of<FormatError>([&] { image_at(bad, 0); });
  EXPECT_NE(e.find("row 0 of column 'image'"), std::string::npos) << e;
}

TEST(ImageFolder, SurvivesSaveToDisk) {
  Dataset ds = load_dataset(test::fixture("digits_imagefolder"), "validation[:3]");
  test::TempDir dir;
  save_to_disk(ds, dir / "saved");
  Dataset back = load_from_disk(dir / "saved");
  EXPECT_EQ(features_to_json(back.features()), features_to_json(ds.features()));
  EXPECT_EQ(image_at(back, 2).rgb, image_at(ds, 2).rgb);
}

TEST(ImageFolder, FlatFolderHasNoLabels) {
  test::TempDir dir;
  fs::copy_file(test::fixture("digits_imagefolder/train/0/0020.png"), dir / "a.png");
  fs::copy_file(test::fixture("digits_imagefolder/train/1/0001.png"), dir / "b.png");
  DatasetDict dd = load_dataset(dir.path());
  ASSERT_EQ(dd.splits.size(), 1u);
  EXPECT_EQ(dd["train"].num_rows(), 2);
  EXPECT_EQ(dd["train"].features().size(), 1u);  // one folder name: no label column
}

}  // namespace
}  // namespace cuddle::datasets
