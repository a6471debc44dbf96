// Split expressions resolved as datasets' ReadInstruction resolves them. The expected rows
// follow arrow_reader.py's rules: percent bounds are int(round(b * n / 100.0)) (Python's
// round, half to even) or b * (n // 100) with pct1_dropremainder; negative bounds count from
// the end; bounds are clamped to the split.
#include <gtest/gtest.h>

#include "cuddle/load_dataset.h"
#include "test_util.h"

namespace cuddle::datasets {
namespace {

using Sizes = std::vector<std::pair<std::string, int64_t>>;

std::string resolved(const std::string& spec, const Sizes& sizes) {
  std::string out;
  for (const auto& s : resolve_split_spec(spec, sizes))
    out += (out.empty() ? "" : " ") + s.split + ":" + std::to_string(s.begin) + "-" + std::to_string(s.end);
  return out;
}

TEST(SplitSpec, ResolvesAsReadInstruction) {
  const Sizes s = {{"train", 15}, {"test", 10}, {"big", 250}};
  EXPECT_EQ(resolved("train", s), "train:0-15");
  EXPECT_EQ(resolved("train[:10%]", s), "train:0-2");     // round(1.5) = 2
  EXPECT_EQ(resolved("test[:25%]", s), "test:0-2");       // round(2.5) = 2 (half to even)
  EXPECT_EQ(resolved("test[:35%]", s), "test:0-4");       // round(3.5) = 4
  EXPECT_EQ(resolved("test[15%:]", s), "test:2-10");      // round(1.5) = 2
  EXPECT_EQ(resolved("train[10:20]", s), "train:10-15");  // clamped
  EXPECT_EQ(resolved("train[-5:]", s), "train:10-15");
  EXPECT_EQ(resolved("train[:-20%]", s), "train:0-12");
  EXPECT_EQ(resolved("train[-100:3]", s), "train:0-3");
  EXPECT_EQ(resolved("train[:1_0]", s), "train:0-10");  // Python's int() takes underscores
  EXPECT_EQ(resolved("train[:50%]+test", s), "train:0-8 test:0-10");  // round(7.5) = 8
  EXPECT_EQ(resolved("train[:2] +  test[3:]", s), "train:0-2 test:3-10");
  EXPECT_EQ(resolved("big[:33%](pct1_dropremainder)", s), "big:0-66");
  EXPECT_EQ(resolved("big[10%:20%](closest)", s), "big:25-50");
  EXPECT_EQ(resolved("train[5:5]", s), "train:5-5");
}

TEST(SplitSpec, RefusesWhatDatasetsRefuses) {
  const Sizes s = {{"train", 15}, {"big", 250}};
  auto err = [&](const std::string& spec) { return test::error_of<ShapeError>([&] { resolve_split_spec(spec, s); }); };
  EXPECT_NE(err("valid").find("unknown split 'valid' (the splits are: train, big)"), std::string::npos);
  EXPECT_NE(err("train[:101%]").find("percent"), std::string::npos);
  EXPECT_NE(err("train[:10](closest)").find("only allowed with percent"), std::string::npos);
  EXPECT_NE(err("train[:10%](nearest)").find("rounding must be"), std::string::npos);
  EXPECT_NE(err("train[:10%](pct1_dropremainder)").find("fewer than 100"), std::string::npos);
  EXPECT_NE(err("big[:10%]+big[:5%](pct1_dropremainder)").find("different roundings"), std::string::npos);
  EXPECT_NE(err("train[5:3]").find("end is before the start"), std::string::npos);
  EXPECT_NE(err("train[1__0:]").find("invalid number"), std::string::npos);
  EXPECT_NE(err("train[:").find("train[:"), std::string::npos);
  EXPECT_NE(err("train[:2]x").find("unrecognized"), std::string::npos);
  EXPECT_NE(err("").find("split name"), std::string::npos);
  EXPECT_NE(err("train+").find("split name"), std::string::npos);
}

TEST(SplitSpec, SelectsAndConcatenatesRows) {
  DatasetDict dd;
  dd.splits.emplace_back("train", Dataset::from_rows({Json{{"x", 0}}, Json{{"x", 1}}, Json{{"x", 2}}, Json{{"x", 3}}}));
  dd.splits.emplace_back("test", Dataset::from_rows({Json{{"x", 10}}, Json{{"x", 11}}}));
  Dataset ds = select_split(dd, "train[:50%]+test[-1:]");
  ASSERT_EQ(ds.num_rows(), 3);
  EXPECT_EQ(ds.column_values("x"), (std::vector<Json>{0, 1, 11}));
}

}  // namespace
}  // namespace cuddle::datasets
