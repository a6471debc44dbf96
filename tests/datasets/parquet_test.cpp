// Parquet reading: pyarrow's topics fixture with no / snappy / zstd / gzip compression
// (dictionary encoding, v1 pages, row groups of 300) and with PLAIN encoding and v2 data
// pages, each checked against expected.json and against the Arrow IPC copy row by row;
// corrupt files give one FormatError naming the file (and row group / column / page).
#include <gtest/gtest.h>

#include "cuddle/arrow.h"
#include "cuddle/datasets.h"
#include "datasets/topics_expected.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::arrow;

namespace {

const char* kVariants[] = {"none", "snappy", "zstd", "gzip", "plain_v2"};

std::string parquet_path(const std::string& v) { return test::fixture("tabular/topics_" + v + ".parquet"); }

}  // namespace

TEST(Parquet, EveryPyarrowVariantReadsToExpected) {
  Table ipc = read_ipc(test::fixture("tabular/topics.arrow"));
  for (const char* v : kVariants) {
    SCOPED_TRACE(v);
    Table t = read_parquet(parquet_path(v));
    test::expect_topics(t);
    std::vector<int64_t> groups;
    for (const auto& chunk : t.columns[0].chunks) groups.push_back(chunk->length);
    // The compressed variants were written with row groups of 300 rows.
    if (std::string(v) != "plain_v2") EXPECT_EQ(groups, (std::vector<int64_t>{300, 300, 300, 100}));
    else EXPECT_GT(groups.size(), 1u) << "plain_v2 has " << ::testing::PrintToString(groups);
    for (size_t c = 0; c < t.columns.size(); ++c)
      EXPECT_TRUE(type_equals(*t.columns[c].type, *ipc.columns[c].type)) << t.schema.fields[c].name;
    for (int64_t r = 0; r < t.num_rows; ++r) ASSERT_EQ(test::table_row(t, r), test::table_row(ipc, r)) << "row " << r;
  }
  EXPECT_EQ(datasets::load_file(parquet_path("snappy")).num_rows(), 1000);
}

TEST(Parquet, CorruptFilesNameFileAndPlace) {
  std::string bytes = test::read_file(parquet_path("none"));
  test::TempDir dir;
  auto error_for = [&](const std::string& name, const std::string& content) {
    test::write_file(dir / name, content);
    return test::error_of<FormatError>([&] { read_parquet(dir / name); });
  };
  std::string e = error_for("magic.parquet", "XXXX" + bytes.substr(4));
  EXPECT_NE(e.find("magic.parquet: not a Parquet file"), std::string::npos) << e;
  e = error_for("trunc.parquet", bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(e.find("trunc.parquet"), std::string::npos) << e;
  // The footer length claims more than the file holds.
  std::string long_footer = bytes;
  long_footer[long_footer.size() - 5] = '\x7f';
  e = error_for("footer.parquet", long_footer);
  EXPECT_NE(e.find("footer.parquet: footer length"), std::string::npos) << e;
  // Garbage in the first column chunk's pages (after the 4-byte magic).
  std::string page = bytes;
  for (size_t i = 4; i < 64; ++i) page[i] = static_cast<char>(0xEE);
  e = error_for("page.parquet", page);
  EXPECT_NE(e.find("page.parquet: row group 0, column 'idx', page 0"), std::string::npos) << e;
}

// Every prefix and a spread of single-byte corruptions either read or fail with a
// FormatError: nothing else escapes.
TEST(Parquet, TruncationsAndByteFlipsAreErrorsNotCrashes) {
  std::string bytes = test::read_file(parquet_path("plain_v2"));
  int errors = 0;
  for (size_t n = 0; n < bytes.size(); n += 997) {
    try {
      read_parquet_bytes(reinterpret_cast<const uint8_t*>(bytes.data()), n, "prefix");
    } catch (const FormatError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
  for (size_t i = 0; i < bytes.size(); i += 101) {
    std::string b = bytes;
    b[i] = static_cast<char>(b[i] ^ 0x5A);
    try {
      read_parquet_bytes(reinterpret_cast<const uint8_t*>(b.data()), b.size(), "flipped");
    } catch (const FormatError&) {
    } catch (const ShapeError&) {
    }
  }
}

// Inputs fuzz_parquet found (UBSan): enum fields holding values outside their enums.
TEST(Parquet, FuzzRegressions) {
  for (const char* name : {"parquet_bad_page_type.parquet", "parquet_bad_encoding.parquet"}) {
    SCOPED_TRACE(name);
    try {
      Table t = read_parquet(test::fixture(std::string("tabular/fuzz_regressions/") + name));
      EXPECT_LE(t.num_rows, 1000);
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}
