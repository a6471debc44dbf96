// The topics fixture (tests/fixtures/tabular, written by pyarrow as Arrow IPC and Parquet)
// checked against its expected.json: columns, types, first and last rows, label counts,
// the score column's non-null sum and null count.
#pragma once
#include <gtest/gtest.h>

#include <map>

#include "cuddle/arrow.h"
#include "test_util.h"

namespace cuddle::test {

inline arrow::Json table_row(const arrow::Table& t, int64_t r) {
  arrow::Json o = arrow::Json::object();
  for (int c = 0; c < t.num_columns(); ++c) {
    auto [chunk, i] = t.columns[static_cast<size_t>(c)].locate(r);
    o[t.schema.fields[static_cast<size_t>(c)].name] = arrow::value_to_json(*chunk, i);
  }
  return o;
}

inline void expect_rows_equal(const arrow::Json& got, const arrow::Json& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [k, v] : want.items()) {
    ASSERT_TRUE(got.contains(k)) << k;
    if (v.is_number_float()) EXPECT_NEAR(got[k].get<double>(), v.get<double>(), 1e-12) << k;
    else EXPECT_EQ(got[k], v) << k;
  }
}

inline void expect_topics(const arrow::Table& t) {
  arrow::Json e = arrow::Json::parse(read_file(fixture("tabular/expected.json")));
  ASSERT_EQ(t.num_rows, e["num_rows"].get<int64_t>());
  std::vector<std::string> names;
  for (const auto& f : t.schema.fields) names.push_back(f.name);
  EXPECT_EQ(arrow::Json(names), e["columns"]);
  EXPECT_EQ(arrow::type_to_string(*t.column("tokens").type), "list<item: int32>");
  EXPECT_EQ(arrow::type_to_string(*t.column("small").type), "int32");
  for (size_t r = 0; r < e["first_rows"].size(); ++r) expect_rows_equal(table_row(t, static_cast<int64_t>(r)), e["first_rows"][r]);
  expect_rows_equal(table_row(t, t.num_rows - 1), e["last_row"][0]);
  std::map<std::string, int64_t> counts;
  double sum = 0;
  int64_t nulls = 0;
  for (int64_t r = 0; r < t.num_rows; ++r) {
    arrow::Json x = table_row(t, r);
    counts[x["label"].get<std::string>()]++;
    if (x["score"].is_null()) ++nulls;
    else sum += x["score"].get<double>();
  }
  for (const auto& [label, n] : e["label_counts"].items()) EXPECT_EQ(counts[label], n.get<int64_t>()) << label;
  EXPECT_EQ(nulls, e["score_nulls"].get<int64_t>());
  EXPECT_NEAR(sum, e["score_sum_non_null"].get<double>(), 1e-9);
}

}  // namespace cuddle::test
