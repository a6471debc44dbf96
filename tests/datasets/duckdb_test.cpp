// DuckDB (@duckdb/node-api, tests/npm) as the independent implementation: it writes
// Parquet with the encodings pyarrow's fixtures lack (DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT, v1 / v2 pages, every codec) and cuddle must
// read every row as DuckDB reads it; DuckDB reads the CSV and JSON Lines cuddle writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "cuddle/arrow.h"
#include "cuddle/datasets.h"
#include "datasets/topics_expected.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::datasets;
namespace fs = std::filesystem;

namespace {

bool duckdb_available() {
  std::string module = std::string(CUDDLE_SOURCE_DIR) + "/tests/npm/node_modules/@duckdb/node-api/package.json";
  return fs::exists(module) && std::system("node --version >/dev/null 2>&1") == 0;
}

// Rows of the last statement, as duckdb_query.mjs prints them.
Json duckdb(const std::vector<std::string>& statements) {
  std::string cmd = "timeout 120 node " + std::string(CUDDLE_SOURCE_DIR) + "/tests/datasets/duckdb_query.mjs";
  for (const auto& s : statements) {
    std::string quoted = "'";
    for (char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += " " + quoted + "'";
  }
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[65536];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  return Json::parse(out);
}

// Integers with negative and 60-bit deltas, doubles with nulls, floats, dictionary and
// distinct strings with nulls, lists with null / empty lists and null items, booleans.
const char* kSelect =
    "SELECT i::BIGINT AS id, (i * 7919 - 1000000)::INTEGER AS small,"
    " CASE WHEN i % 11 = 0 THEN NULL ELSE i * 1.5 END::DOUBLE AS d, (i / 3.0)::FLOAT AS f,"
    " 'name' || (i % 7) AS dict_s, CASE WHEN i % 5 = 0 THEN NULL ELSE 'value-' || i END AS ns,"
    " CASE WHEN i % 13 = 0 THEN NULL WHEN i % 4 = 0 THEN [] ELSE [i, NULL, i + 1] END AS l,"
    " i % 3 = 0 AS flag, (i * 1000003)::BIGINT * 1000003 * (1 - 2 * (i % 2)) AS big"
    " FROM range(2500) t(i)";

}  // namespace

TEST(DuckDb, CuddleReadsDuckdbParquetInEveryEncodingAndCodec) {
  if (!duckdb_available()) GTEST_SKIP() << "node or @duckdb/node-api missing (run scripts/test-deps.sh)";
  test::TempDir dir;
  const std::pair<const char*, const char*> configs[] = {
      {"v1", "uncompressed"}, {"v1", "snappy"}, {"v2", "zstd"}, {"v2", "gzip"}, {"v2", "brotli"}, {"v2", "lz4_raw"}};
  for (const auto& [version, codec] : configs) {
    SCOPED_TRACE(std::string(version) + " " + codec);
    const std::string path = dir / (std::string(version) + "_" + codec + ".parquet");
    Json want = duckdb({std::string("COPY (") + kSelect + ") TO '" + path + "' (FORMAT parquet, PARQUET_VERSION " +
                            version + ", COMPRESSION " + codec + ", ROW_GROUP_SIZE 1024)",
                        "SELECT * FROM '" + path + "'"});
    Dataset ds = load_file(path);
    ASSERT_EQ(ds.num_rows(), 2500);
    ASSERT_EQ(want.size(), 2500u);
    EXPECT_GE(ds.table().columns[0].chunks.size(), 2u);  // DuckDB rounds row groups up to 2048-row vectors
    EXPECT_EQ(arrow::type_to_string(*ds.table().column("f").type), "float");
    EXPECT_EQ(arrow::type_to_string(*ds.table().column("small").type), "int32");
    for (int64_t r = 0; r < 2500; ++r) ASSERT_EQ(ds.row(r), want[static_cast<size_t>(r)]) << "row " << r;
  }
  // The v2 file really exercised the encodings pyarrow's fixtures do not.
  Json enc = duckdb({"SELECT DISTINCT encodings FROM parquet_metadata('" + (dir / "v2_zstd.parquet") + "') ORDER BY 1"});
  std::string all = enc.dump();
  for (const char* e : {"DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "BYTE_STREAM_SPLIT", "RLE_DICTIONARY"})
    EXPECT_NE(all.find(e), std::string::npos) << e << " in " << all;
}

TEST(DuckDb, UnsupportedShapesAreNamed) {
  if (!duckdb_available()) GTEST_SKIP() << "node or @duckdb/node-api missing (run scripts/test-deps.sh)";
  test::TempDir dir;
  duckdb({"COPY (SELECT {'a': 1, 'b': 'x'} AS s) TO '" + (dir / "struct.parquet") + "' (FORMAT parquet)"});
  std::string e = test::error_of<FormatError>([&] { arrow::read_parquet(dir / "struct.parquet"); });
  EXPECT_NE(e.find("struct.parquet: column 's': nested groups"), std::string::npos) << e;
}

TEST(DuckDb, DuckdbReadsCuddleCsvAndJsonLines) {
  if (!duckdb_available()) GTEST_SKIP() << "node or @duckdb/node-api missing (run scripts/test-deps.sh)";
  Dataset topics = read_arrow(test::fixture("tabular/topics.arrow"));
  Json e = Json::parse(test::read_file(test::fixture("tabular/expected.json")));
  test::TempDir dir;
  write_csv(topics.remove_columns({"tokens"}), dir / "t.csv");
  write_json_lines(topics, dir / "t.jsonl");
  const std::string stats = "SELECT count(*) AS n, count(score) AS scored, sum(score) AS total, "
                            "count(*) FILTER (WHERE label = 'computers') AS computers FROM ";
  for (const std::string& src : std::vector<std::string>{"read_csv('" + (dir / "t.csv") + "')", "read_json('" + (dir / "t.jsonl") + "')"}) {
    Json got = duckdb({stats + src})[0];
    EXPECT_EQ(got["n"], 1000) << src;
    EXPECT_EQ(got["scored"], 1000 - e["score_nulls"].get<int64_t>()) << src;
    EXPECT_NEAR(got["total"].get<double>(), e["score_sum_non_null"].get<double>(), 1e-9) << src;
    EXPECT_EQ(got["computers"], e["label_counts"]["computers"]) << src;
  }
  // Every row and value of the CSV as DuckDB parses it (quoted multi-line texts included).
  Json rows = duckdb({"SELECT * FROM read_csv('" + (dir / "t.csv") + "')"});
  ASSERT_EQ(rows.size(), 1000u);
  for (int64_t r = 0; r < 1000; ++r) {
    Json want = topics.row(r);
    want.erase("tokens");
    ASSERT_EQ(rows[static_cast<size_t>(r)], want) << "row " << r;
  }
}

// cuddle's Parquet read back by DuckDB: the topics fixture and DuckDB's own mixed table
// (after a trip through cuddle's reader), every codec, several row groups.
TEST(DuckDb, DuckdbReadsCuddleParquet) {
  if (!duckdb_available()) GTEST_SKIP() << "node or @duckdb/node-api missing (run scripts/test-deps.sh)";
  test::TempDir dir;
  Dataset topics = read_arrow(test::fixture("tabular/topics.arrow"));
  duckdb({std::string("COPY (") + kSelect + ") TO '" + (dir / "src.parquet") + "' (FORMAT parquet)"});
  Dataset mixed = load_file(dir / "src.parquet");
  for (const char* codec : {"snappy", "zstd", "none"}) {
    SCOPED_TRACE(codec);
    for (const auto& [name, ds] : {std::pair<std::string, const Dataset*>{"topics", &topics}, {"mixed", &mixed}}) {
      const std::string path = dir / (name + "_" + codec + ".parquet");
      arrow::write_parquet(ds->table(), path, arrow::ParquetWriteOptions{codec, 300});
      Json rows = duckdb({"SELECT * FROM '" + path + "'"});
      ASSERT_EQ(rows.size(), static_cast<size_t>(ds->num_rows())) << name;
      for (int64_t r = 0; r < ds->num_rows(); ++r) ASSERT_EQ(rows[static_cast<size_t>(r)], ds->row(r)) << name << " row " << r;
      Dataset back = load_file(path);
      EXPECT_EQ(features_to_json(back.features()), features_to_json(ds->features())) << name;
      for (int64_t r = 0; r < ds->num_rows(); r += 97) ASSERT_EQ(back.row(r), ds->row(r)) << name << " row " << r;
    }
  }
  Json types = duckdb({"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '" + (dir / "topics_snappy.parquet") + "')"});
  EXPECT_EQ(types.dump(),
            R"([{"column_name":"idx","column_type":"BIGINT"},{"column_name":"text","column_type":"VARCHAR"},)"
            R"({"column_name":"label","column_type":"VARCHAR"},{"column_name":"score","column_type":"DOUBLE"},)"
            R"({"column_name":"flag","column_type":"BOOLEAN"},{"column_name":"small","column_type":"INTEGER"},)"
            R"({"column_name":"tokens","column_type":"INTEGER[]"}])");
  Json groups = duckdb({"SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('" + (dir / "topics_zstd.parquet") + "')"});
  EXPECT_EQ(groups[0]["n"], 4);
}
