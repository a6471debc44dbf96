// Arrow IPC: the pyarrow-written fixtures (stream = datasets' on-disk format, and the file
// format) read to expected.json; cuddle's own writes read back identically; corrupt
// bytes give a FormatError naming the file.
#include <gtest/gtest.h>

#include "cuddle/arrow.h"
#include "datasets/topics_expected.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::arrow;

TEST(ArrowIpc, ReadsPyarrowStream) { test::expect_topics(read_ipc_stream_file(test::fixture("tabular/topics.arrow"))); }

TEST(ArrowIpc, ReadsPyarrowFile) { test::expect_topics(read_ipc_file(test::fixture("tabular/topics_file.arrow"))); }

TEST(ArrowIpc, ReadIpcTellsFormatsApart) {
  EXPECT_EQ(read_ipc(test::fixture("tabular/topics.arrow")).num_rows, 1000);
  EXPECT_EQ(read_ipc(test::fixture("tabular/topics_file.arrow")).num_rows, 1000);
}

TEST(ArrowIpc, WriteThenReadRoundTrips) {
  Table t = read_ipc(test::fixture("tabular/topics.arrow"));
  test::TempDir dir;
  write_ipc_stream(t, dir / "s.arrow", 128);
  write_ipc_file(t, dir / "f.arrow", 333);
  test::expect_topics(read_ipc_stream_file(dir / "s.arrow"));
  test::expect_topics(read_ipc_file(dir / "f.arrow"));
  EXPECT_EQ(read_ipc_stream_file(dir / "s.arrow").columns[0].chunks.size(), 8u);  // ceil(1000 / 128)
}

TEST(ArrowIpc, WritesSlicesNullsStructsAndEmptyTables) {
  Json rows = Json::parse(R"([
    {"a": 1, "s": {"x": "p", "y": [1.5, null]}, "b": true},
    {"a": null, "s": null, "b": null},
    {"a": 3, "s": {"x": null, "y": []}, "b": false}])");
  std::vector<Field> fields;
  std::vector<ArrayPtr> arrays;
  for (const auto& [name, _] : rows[0].items()) {
    std::vector<const Json*> vals;
    for (const auto& r : rows) vals.push_back(&r[name]);
    TypePtr type = infer_type(vals);
    ArrayBuilder b(type);
    for (const auto* v : vals) b.append_json(*v);
    fields.push_back(Field{name, type, true, {}});
    arrays.push_back(b.finish());
  }
  Table t = make_table(fields, arrays, {{"k", "v"}});
  EXPECT_EQ(type_to_string(*t.column("s").type), "struct<x: string, y: list<item: double>>");
  test::TempDir dir;
  Table tail = slice_rows(t, 1, 3);  // a sliced (offset) table is written from offset 0
  write_ipc_stream(tail, dir / "t.arrow");
  Table back = read_ipc(dir / "t.arrow");
  ASSERT_EQ(back.num_rows, 2);
  EXPECT_EQ(test::table_row(back, 0), rows[1]);
  EXPECT_EQ(test::table_row(back, 1), rows[2]);
  ASSERT_NE(back.schema.metadata_value("k"), nullptr);
  EXPECT_EQ(*back.schema.metadata_value("k"), "v");
  write_ipc_file(slice_rows(t, 0, 0), dir / "e.arrow");
  Table empty = read_ipc(dir / "e.arrow");
  EXPECT_EQ(empty.num_rows, 0);
  EXPECT_EQ(empty.num_columns(), 3);
}

TEST(ArrowIpc, CorruptBytesNameTheFile) {
  std::string bytes = test::read_file(test::fixture("tabular/topics.arrow"));
  test::TempDir dir;
  test::write_file(dir / "trunc.arrow", bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(test::error_of<FormatError>([&] { read_ipc(dir / "trunc.arrow"); }).find("trunc.arrow"), std::string::npos);
  std::string bad = bytes;
  for (size_t i = 8; i < 200; ++i) bad[i] = static_cast<char>(0xA5);
  test::write_file(dir / "bad.arrow", bad);
  EXPECT_NE(test::error_of<FormatError>([&] { read_ipc(dir / "bad.arrow"); }).find("bad.arrow"), std::string::npos);
  std::string file = test::read_file(test::fixture("tabular/topics_file.arrow"));
  test::write_file(dir / "nofooter.arrow", file.substr(0, file.size() - 3));
  EXPECT_NE(test::error_of<FormatError>([&] { read_ipc_file(dir / "nofooter.arrow"); }).find("nofooter.arrow"),
            std::string::npos);
}

// Every single-byte truncation point of a small stream fails cleanly or reads a prefix.
TEST(ArrowIpc, EveryTruncationIsAnErrorOrAValidPrefix) {
  Table t = slice_rows(read_ipc(test::fixture("tabular/topics.arrow")), 0, 20);
  std::string s = serialize_ipc_stream(t, 7);
  for (size_t n = 0; n < s.size(); n += 3) {
    auto owner = std::make_shared<std::string>(s.substr(0, n));
    try {
      Table back = read_ipc_bytes(owner, reinterpret_cast<const uint8_t*>(owner->data()), owner->size(), "mem");
      EXPECT_LE(back.num_rows, 20);
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("mem"), std::string::npos);
    }
  }
}

// Inputs fuzz_arrow_ipc found (UBSan): metadata at an unaligned offset, and a batch whose
// string column is empty, written back. Each reads or fails cleanly and round-trips.
TEST(ArrowIpc, FuzzRegressions) {
  for (const char* name : {"ipc_unaligned_metadata.arrow", "ipc_empty_string_batch.arrow"}) {
    SCOPED_TRACE(name);
    Table t;
    try {
      t = read_ipc(test::fixture(std::string("tabular/fuzz_regressions/") + name));
    } catch (const FormatError&) {
      continue;
    }
    auto bytes = std::make_shared<std::string>(serialize_ipc_stream(t, 64));
    Table back = read_ipc_bytes(bytes, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), "round trip");
    ASSERT_EQ(back.num_rows, t.num_rows);
    for (int64_t r = 0; r < t.num_rows; ++r) EXPECT_EQ(test::table_row(back, r).dump(), test::table_row(t, r).dump());
  }
}
