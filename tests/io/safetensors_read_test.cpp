// Reading: every vendored safetensors file, value-by-value checks against dtypes.json,
// zero-copy views and storage-only dtypes.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/safetensors.h"
#include "io/safetensors_test_util.h"
#include "test_util.h"

namespace cuddle {
namespace {

// All *.safetensors under tests/fixtures, found at run time so that fixtures vendored by
// other parts of the project are covered as they appear.
std::vector<std::string> fixture_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::fixture("")))
    if (e.is_regular_file() && e.path().extension() == ".safetensors") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SafetensorsRead, EveryFixtureFileReads) {
  auto files = fixture_files();
  ASSERT_GE(files.size(), 3u);
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    SafetensorsFile f = SafetensorsFile::open(path);
    uint64_t covered = 0;
    for (const auto& name : f.names()) {
      Tensor t = f.tensor(name);
      EXPECT_EQ(t.nbytes(), f.entry(name).end - f.entry(name).begin);
      covered += t.nbytes();
    }
    EXPECT_EQ(f.header().data_offset + covered, std::filesystem::file_size(path));
  }
}

DType torch_dtype(const std::string& s) {
  static const std::map<std::string, DType> m = {
      {"torch.float32", DType::F32}, {"torch.float16", DType::F16}, {"torch.bfloat16", DType::BF16},
      {"torch.float64", DType::F64}, {"torch.int64", DType::I64},   {"torch.int32", DType::I32},
      {"torch.int8", DType::I8},     {"torch.uint8", DType::U8},    {"torch.bool", DType::Bool}};
  return m.at(s);
}

TEST(SafetensorsRead, DtypesFixtureMatchesJson) {
  SafetensorsFile f = SafetensorsFile::open(test::fixture("safetensors/dtypes.safetensors"));
  auto expected = nlohmann::json::parse(test::read_file(test::fixture("safetensors/dtypes.json")));
  ASSERT_EQ(f.names().size(), expected.size());
  for (const auto& [name, want] : expected.items()) {
    SCOPED_TRACE(name);
    Tensor t = f.tensor(name);
    EXPECT_EQ(t.dtype(), torch_dtype(want["dtype"]));
    EXPECT_EQ(t.shape(), want["shape"].get<Shape>());
    ASSERT_EQ(t.numel(), static_cast<int64_t>(want["values"].size()));
    for (int64_t i = 0; i < t.numel(); ++i) {
      const auto& v = want["values"][i];
      double w = v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
      // dtypes.json went through float32 (its f64 1e-300 reads 0.0), so compare there.
      EXPECT_EQ(static_cast<float>(t.flat_as_double(i)), static_cast<float>(w)) << "element " << i;
    }
  }
  EXPECT_EQ(f.tensor("f64").flat_as_double(0), 1e-300);
  EXPECT_EQ(f.metadata(), (std::map<std::string, std::string>{{"format", "pt"}, {"note", "edge cases"}}));
}

TEST(SafetensorsRead, NamesAreInDataOrder) {
  SafetensorsFile f = SafetensorsFile::open(test::fixture("safetensors/dtypes.safetensors"));
  EXPECT_EQ(f.names(), (std::vector<std::string>{"i64", "f64", "empty", "f32", "scalar", "i32",
                                                 "bf16", "f16", "i8", "u8", "bool"}));
}

TEST(SafetensorsRead, TensorsAreZeroCopyViews) {
  std::string path = test::fixture("safetensors/dtypes.safetensors");
  SafetensorsFile f = SafetensorsFile::open(path);
  Tensor t = f.tensor("f32");
  EXPECT_TRUE(t.storage()->read_only());
  Tensor again = f.tensor("f32");
  EXPECT_EQ(t.raw_data(), again.raw_data());
  // The view outlives the SafetensorsFile: the mapping is kept alive by the storage.
  Tensor kept;
  { kept = SafetensorsFile::open(path).tensor("f32"); }
  EXPECT_EQ(kept.to_float_vector(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(SafetensorsRead, UnknownNameIsAClearError) {
  SafetensorsFile f = SafetensorsFile::open(test::fixture("safetensors/dtypes.safetensors"));
  EXPECT_FALSE(f.contains("nope"));
  try {
    f.tensor("nope");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("no tensor named \"nope\""), std::string::npos);
  }
}

TEST(SafetensorsRead, EveryFormatDtypeIsRead) {
  // Names and sizes of all dtypes in the format; storage-only ones read but refuse compute.
  const std::vector<std::pair<std::string, int>> all = {
      {"BOOL", 8},    {"U8", 8},     {"I8", 8},          {"F8_E5M2", 8},     {"F8_E4M3", 8},
      {"F8_E8M0", 8}, {"I16", 16},   {"U16", 16},        {"F16", 16},        {"BF16", 16},
      {"I32", 32},    {"U32", 32},   {"F32", 32},        {"F64", 64},        {"I64", 64},
      {"U64", 64},    {"C64", 64},   {"F4", 4},          {"F6_E2M3", 6},     {"F6_E3M2", 6},
      {"F8_E4M3FNUZ", 8}, {"F8_E5M2FNUZ", 8}};
  for (const auto& [name, bits] : all) {
    SCOPED_TRACE(name);
    int64_t bytes = 4 * bits / 8;  // 4 elements fill whole bytes for every type
    std::string header = "{\"t\":{\"dtype\":\"" + name + "\",\"shape\":[4],\"data_offsets\":[0," +
                         std::to_string(bytes) + "]}}";
    std::string file = test::safetensors_bytes(header, std::string(static_cast<size_t>(bytes), '\1'));
    auto h = parse_safetensors(reinterpret_cast<const unsigned char*>(file.data()), file.size(), "x");
    ASSERT_EQ(h.entries.size(), 1u);
    EXPECT_EQ(dtype_name(h.entries[0].dtype), name);
    if (!dtype_computable(h.entries[0].dtype)) {
      EXPECT_THROW(require_computable(h.entries[0].dtype, "t"), ShapeError);
    }
  }
}

TEST(SafetensorsRead, StorageOnlyTensorIsReturnedAsIs) {
  test::TempDir dir;
  std::string header = R"({"q":{"dtype":"F8_E4M3","shape":[2,2],"data_offsets":[0,4]}})";
  test::write_file(dir / "q.safetensors", test::safetensors_bytes(header, "\x01\x02\x03\x04"));
  Tensor t = SafetensorsFile::open(dir / "q.safetensors").tensor("q");
  EXPECT_EQ(t.dtype(), DType::F8_E4M3);
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(static_cast<const unsigned char*>(t.raw_data())[3], 4);
}

TEST(SafetensorsRead, MisalignedDataIsCopiedToAlignedStorage) {
  // A header of 3 bytes past a multiple of 8 leaves the F32 data misaligned in the mapping.
  test::TempDir dir;
  std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  header += std::string((8 - header.size() % 8 + 3) % 8, ' ');
  std::string data(4, '\0');
  float one = 1.0f;
  std::memcpy(data.data(), &one, 4);
  test::write_file(dir / "m.safetensors", test::safetensors_bytes(header, data));
  Tensor t = SafetensorsFile::open(dir / "m.safetensors").tensor("x");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 4, 0u);
  EXPECT_FALSE(t.storage()->read_only());
  EXPECT_EQ(t.to_float_vector(), std::vector<float>{1.0f});
}

}  // namespace
}  // namespace cuddle
