// CSV, JSON and text loaders: parsing (RFC 4180 quoting, JSON Lines and arrays, Python's
// line splitting), the column types datasets ends up with, and errors that name the file
// and line. Real data: the first rows of fortunes_topics.jsonl are the topics fixture's.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/datasets.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::datasets;

namespace {

std::string type_of(const Dataset& ds, const std::string& col) {
  return arrow::type_to_string(*ds.table().column(col).type);
}

}  // namespace

TEST(Csv, QuotingHeaderAndTypes) {
  const char* text =
      "id,name,score,ok,note,empty\r\n"
      "1,\"Smith, J\",1.5,True,\"said \"\"hi\"\"\nthen left\",\n"
      "\n"
      "2,plain,NA,false,,\n"
      "3,\"\",2e3,TRUE,x,\"\"\n";
  Dataset ds = parse_csv(text, "mem.csv");
  ASSERT_EQ(ds.num_rows(), 3);
  EXPECT_EQ(ds.column_names(), (std::vector<std::string>{"id", "name", "score", "ok", "note", "empty"}));
  EXPECT_EQ(type_of(ds, "id"), "int64");
  EXPECT_EQ(type_of(ds, "name"), "string");
  EXPECT_EQ(type_of(ds, "score"), "double");
  EXPECT_EQ(type_of(ds, "ok"), "bool");
  EXPECT_EQ(type_of(ds, "note"), "string");
  EXPECT_EQ(type_of(ds, "empty"), "double");  // nothing but missing values: pandas' float64 of NaN
  EXPECT_EQ(ds.row(0), Json::parse(R"({"id":1,"name":"Smith, J","score":1.5,"ok":true,"note":"said \"hi\"\nthen left","empty":null})"));
  EXPECT_EQ(ds.row(1), Json::parse(R"({"id":2,"name":"plain","score":null,"ok":false,"note":null,"empty":null})"));
  // A quoted empty field is missing too (pandas reads "" as NaN).
  EXPECT_EQ(ds.row(2), Json::parse(R"({"id":3,"name":null,"score":2000.0,"ok":true,"note":"x","empty":null})"));
  EXPECT_EQ(ds.features()[0].second.dtype, "int64");
  EXPECT_EQ(ds.features()[2].second.dtype, "float64");
}

TEST(Csv, IntegersWithMissingValuesBecomeDoubleAndMixedColumnsStrings) {
  Dataset ds = parse_csv("a,b,c,d\n1,1,x,True\n,2.5,2,1\n3,+4,3,False\n", "mem.csv");
  EXPECT_EQ(type_of(ds, "a"), "double");
  EXPECT_EQ(type_of(ds, "b"), "double");
  EXPECT_EQ(type_of(ds, "c"), "string");
  EXPECT_EQ(type_of(ds, "d"), "string");  // bools mixed with a number stay text
  EXPECT_EQ(ds.column_values("a"), (std::vector<Json>{1.0, nullptr, 3.0}));
  EXPECT_EQ(ds.column_values("b"), (std::vector<Json>{1.0, 2.5, 4.0}));
  EXPECT_EQ(ds.column_values("c"), (std::vector<Json>{"x", "2", "3"}));
  EXPECT_EQ(ds.column_values("d"), (std::vector<Json>{"True", "1", "False"}));
}

TEST(Csv, HeaderNamesAndOptions) {
  Dataset dup = parse_csv("a,a,,b\n1,2,3,4\n", "mem.csv");
  EXPECT_EQ(dup.column_names(), (std::vector<std::string>{"a", "a.1", "Unnamed: 2", "b"}));
  CsvOptions tsv;
  tsv.delimiter = '\t';
  tsv.header = false;
  Dataset t = parse_csv("x\t1\ny\t2\n", "mem.tsv", tsv);
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.column_values("1"), (std::vector<Json>{1, 2}));
  Dataset bom = parse_csv("\xEF\xBB\xBFk\n-7\n", "mem.csv");
  EXPECT_EQ(bom.column_names(), std::vector<std::string>{"k"});
  EXPECT_EQ(bom.row(0)["k"], -7);
}

TEST(Csv, ErrorsNameTheFileAndLine) {
  std::string e = test::error_of<FormatError>([] { parse_csv("a,b\n1,2\n3,4,5\n", "bad.csv"); });
  EXPECT_NE(e.find("bad.csv"), std::string::npos) << e;
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("expected 2 fields, saw 3"), std::string::npos) << e;
  e = test::error_of<FormatError>([] { parse_csv("a\n\"open\n", "q.csv"); });
  EXPECT_NE(e.find("q.csv: line 2: a quoted field is never closed"), std::string::npos) << e;
  e = test::error_of<IoError>([] { read_csv("/nonexistent/x.csv"); });
  EXPECT_NE(e.find("/nonexistent/x.csv"), std::string::npos) << e;
}

TEST(Json, LinesWithDifferingKeysAndNestedValues) {
  const char* text =
      "{\"a\": 1, \"b\": \"x\"}\n"
      "\n"
      "{\"b\": null, \"c\": [1, 2], \"a\": 2.5}\n"
      "{\"d\": {\"k\": true}}\n";
  Dataset ds = parse_json(text, "mem.jsonl");
  ASSERT_EQ(ds.num_rows(), 3);
  EXPECT_EQ(ds.column_names(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(type_of(ds, "a"), "double");
  EXPECT_EQ(type_of(ds, "c"), "list<item: int64>");
  EXPECT_EQ(type_of(ds, "d"), "struct<k: bool>");
  EXPECT_EQ(ds.row(1), Json::parse(R"({"a":2.5,"b":null,"c":[1,2],"d":null})"));
  EXPECT_EQ(ds.row(2)["d"], Json::parse(R"({"k":true})"));
}

TEST(Json, ArrayOfObjects) {
  Dataset ds = parse_json("  [{\"x\": 1}, {\"x\": 2, \"y\": \"b\"}]", "mem.json");
  EXPECT_EQ(ds.num_rows(), 2);
  EXPECT_EQ(ds.row(1), Json::parse(R"({"x":2,"y":"b"})"));
  EXPECT_EQ(ds.row(0)["y"], nullptr);
}

TEST(Json, ErrorsNameTheFileAndLine) {
  std::string e = test::error_of<FormatError>([] { parse_json("{\"a\":1}\n[1,2]\n", "rows.jsonl"); });
  EXPECT_NE(e.find("rows.jsonl: line 2: a JSON Lines row must be an object, got array"), std::string::npos) << e;
  e = test::error_of<FormatError>([] { parse_json("{\"a\":1}\n{\"a\":\n", "cut.jsonl"); });
  EXPECT_NE(e.find("cut.jsonl: line 2: not valid JSON"), std::string::npos) << e;
  e = test::error_of<FormatError>([] { parse_json("{\"a\":1}\n{\"a\":\"s\"}\n", "mixed.jsonl"); });
  EXPECT_NE(e.find("mixed.jsonl"), std::string::npos) << e;
  EXPECT_NE(e.find("column 'a'"), std::string::npos) << e;
  e = test::error_of<FormatError>([] { parse_json("[{\"a\":1}, 3]", "arr.json"); });
  EXPECT_NE(e.find("arr.json: element 1"), std::string::npos) << e;
}

TEST(Json, RealFortunesMatchTheTopicsFixture) {
  Dataset ds = read_json(test::fixture("tabular/fortunes_topics_head.jsonl"));
  Json expected = Json::parse(test::read_file(test::fixture("tabular/expected.json")));
  ASSERT_EQ(ds.num_rows(), 40);
  EXPECT_EQ(ds.column_names(), (std::vector<std::string>{"text", "label"}));
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(ds.row(static_cast<int64_t>(r))["text"], expected["first_rows"][r]["text"]);
    EXPECT_EQ(ds.row(static_cast<int64_t>(r))["label"], expected["first_rows"][r]["label"]);
  }
}

TEST(Text, OneRowPerLineAsPythonSplitsLines) {
  Dataset ds = parse_text("first\r\nsecond\n\nthird\rfourth\xE2\x80\xA8" "fifth\x0c" "sixth\n");
  EXPECT_EQ(ds.column_names(), std::vector<std::string>{"text"});
  EXPECT_EQ(ds.column_values("text"),
            (std::vector<Json>{"first", "second", "", "third", "fourth", "fifth", "sixth"}));
  EXPECT_EQ(parse_text("no newline at end").num_rows(), 1);
  EXPECT_EQ(parse_text("").num_rows(), 0);
}

TEST(LoadFile, ByExtensionAndWritersRoundTrip) {
  test::TempDir dir;
  test::write_file(dir / "a.csv", "n,s\n1,\"x,y\"\n2,\n");
  test::write_file(dir / "a.tsv", "n\ts\n1\tq\n");
  test::write_file(dir / "a.txt", "l1\nl2\n");
  test::write_file(dir / "a.jsonl", "{\"n\": 1}\n");
  EXPECT_EQ(load_file(dir / "a.csv").row(0), Json::parse(R"({"n":1,"s":"x,y"})"));
  EXPECT_EQ(load_file(dir / "a.tsv").row(0), Json::parse(R"({"n":1,"s":"q"})"));
  EXPECT_EQ(load_file(dir / "a.txt").num_rows(), 2);
  EXPECT_EQ(load_file(dir / "a.jsonl").row(0)["n"], 1);
  EXPECT_NE(test::error_of<FormatError>([&] { load_file(dir / "a.xyz"); }).find("a.xyz"), std::string::npos);

  // The topics fixture through every writer and back: scalars survive CSV, all of it JSON Lines.
  Dataset topics = read_arrow(test::fixture("tabular/topics.arrow"));
  save_file(topics, dir / "t.csv");
  save_file(topics, dir / "t.jsonl");
  Dataset csv = load_file(dir / "t.csv");
  Dataset jsonl = load_file(dir / "t.jsonl");
  ASSERT_EQ(csv.num_rows(), 1000);
  ASSERT_EQ(jsonl.num_rows(), 1000);
  EXPECT_EQ(type_of(csv, "score"), "double");
  EXPECT_EQ(type_of(csv, "flag"), "bool");
  EXPECT_EQ(type_of(jsonl, "tokens"), "list<item: int64>");
  for (int64_t r : {0, 1, 2, 500, 999}) {
    Json want = topics.row(r);
    EXPECT_EQ(jsonl.row(r), want) << r;
    for (const char* k : {"idx", "text", "label", "flag", "small"}) EXPECT_EQ(csv.row(r)[k], want[k]) << r << k;
    if (want["score"].is_null()) EXPECT_TRUE(csv.row(r)["score"].is_null());
    else EXPECT_DOUBLE_EQ(csv.row(r)["score"].get<double>(), want["score"].get<double>());
  }
}
