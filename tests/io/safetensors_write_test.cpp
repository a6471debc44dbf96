// Writing: byte-for-byte reproduction of reference files, the reference ordering and JSON
// formatting rules, and atomic saves.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "cuddle/safetensors.h"
#include "test_util.h"

namespace cuddle {
namespace {

NamedTensors read_all(const SafetensorsFile& f) {
  NamedTensors out;
  for (const auto& name : f.names()) out.emplace_back(name, f.tensor(name));
  return out;
}

TEST(SafetensorsWrite, ReproducesReferenceFilesByteForByte) {
  // The reference keeps __metadata__ in a hash map, so only files with at most one metadata
  // key have a single reference byte layout; those must come back identical.
  int compared = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::fixture(""))) {
    if (!e.is_regular_file() || e.path().extension() != ".safetensors") continue;
    SafetensorsFile f = SafetensorsFile::open(e.path().string());
    if (f.metadata().size() > 1) continue;
    SCOPED_TRACE(e.path().string());
    EXPECT_TRUE(serialize_safetensors(read_all(f), f.metadata()) == test::read_file(e.path().string()));
    ++compared;
  }
  EXPECT_GE(compared, 2);
}

TEST(SafetensorsWrite, DtypesFixtureRoundTrips) {
  // Two metadata keys: the reference order is unspecified, ours is sorted, which is the
  // order this file happens to have.
  std::string path = test::fixture("safetensors/dtypes.safetensors");
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_TRUE(serialize_safetensors(read_all(f), f.metadata()) == test::read_file(path));
}

TEST(SafetensorsWrite, OrdersByAlignmentThenName) {
  NamedTensors t = {{"b", Tensor::from_vector<int8_t>({1}, {1})},
                    {"a", Tensor::from_vector<int8_t>({2}, {1})},
                    {"z", Tensor::from_vector<int64_t>({3}, {1})},
                    {"m", Tensor::from_vector<float>({4}, {1})}};
  std::string bytes = serialize_safetensors(t);
  auto h = parse_safetensors(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), "x");
  std::vector<std::string> order;
  for (const auto& e : h.entries) order.push_back(e.name);
  EXPECT_EQ(order, (std::vector<std::string>{"z", "m", "a", "b"}));
}

TEST(SafetensorsWrite, CompactHeaderPaddedWithSpaces) {
  NamedTensors t = {{"w\"\n\x01\xc3\xa9", Tensor::from_vector<float>({1, 2}, {2})}};
  std::string bytes = serialize_safetensors(t, {{"format", "pt"}});
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  std::string header = bytes.substr(8, n);
  std::string json =
      "{\"__metadata__\":{\"format\":\"pt\"},\"w\\\"\\n\\u0001\xc3\xa9\":{\"dtype\":\"F32\","
      "\"shape\":[2],\"data_offsets\":[0,8]}}";
  EXPECT_EQ(header.substr(0, json.size()), json);
  EXPECT_EQ(header.substr(json.size()), std::string(n - json.size(), ' '));
  EXPECT_EQ(bytes.size(), 8 + n + 8);
}

TEST(SafetensorsWrite, NoMetadataMeansNoMetadataKey) {
  std::string bytes = serialize_safetensors({{"s", Tensor::scalar(1)}});
  std::string json = R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
  EXPECT_EQ(bytes.substr(8, json.size()), json);
}

TEST(SafetensorsWrite, NonContiguousTensorsAreWrittenInLogicalOrder) {
  Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}).transpose(0, 1);
  std::string bytes = serialize_safetensors({{"t", t}});
  auto h = parse_safetensors(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), "x");
  std::vector<float> got(6);
  std::memcpy(got.data(), bytes.data() + h.data_offset, 24);
  EXPECT_EQ(got, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(h.entries[0].shape, (Shape{3, 2}));
}

TEST(SafetensorsWrite, RejectsDuplicateAndReservedNames) {
  Tensor t = Tensor::scalar(1);
  EXPECT_THROW(serialize_safetensors({{"a", t}, {"a", t}}), ShapeError);
  EXPECT_THROW(serialize_safetensors({{"__metadata__", t}}), ShapeError);
  EXPECT_THROW(serialize_safetensors({{"\xff", t}}), FormatError);
}

TEST(SafetensorsWrite, SaveIsAtomicAndReadable) {
  test::TempDir dir;
  std::string path = dir / "out.safetensors";
  save_safetensors(path, {{"x", Tensor::from_vector<float>({1, 2, 3}, {3})}}, {{"format", "pt"}});
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.tensor("x").to_float_vector(), (std::vector<float>{1, 2, 3}));
  // Overwriting a file whose tensors are still mapped leaves those views intact.
  Tensor old = f.tensor("x");
  save_safetensors(path, {{"x", Tensor::from_vector<float>({7, 8, 9}, {3})}});
  EXPECT_EQ(old.to_float_vector(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(SafetensorsFile::open(path).tensor("x").to_float_vector(), (std::vector<float>{7, 8, 9}));
  // Nothing but the file itself is left in the folder.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(SafetensorsWrite, SaveIntoMissingFolderFailsCleanly) {
  test::TempDir dir;
  EXPECT_THROW(save_safetensors(dir / "no/such/dir/x.safetensors", {{"x", Tensor::scalar(1)}}), IoError);
}

}  // namespace
}  // namespace cuddle
