// One corrupt file per validation rule (docs/safetensors.md), each built here byte by byte
// and each expected to fail with its own message naming the file, the tensor and the numbers.
#include <gtest/gtest.h>

#include <set>

#include "io/safetensors_test_util.h"

namespace cuddle {
namespace {

using test::safetensors_bytes;

struct Corruption {
  std::string rule;
  std::string bytes;
  std::string message;  // a distinctive part of the expected error
};

std::string header_len(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i) & 0xff);
  return s;
}

// A file with one tensor "a" whose fields are given verbatim.
std::string one(const std::string& fields, const std::string& data = std::string(8, '\0')) {
  return safetensors_bytes("{\"a\":{" + fields + "}}", data);
}

const std::string kF32x2 = R"("dtype":"F32","shape":[2],"data_offsets":[0,8])";

std::vector<Corruption> corruptions() {
  return {
      {"TooShortForLength", "abc", "t.safetensors: file is 3 bytes, too short for the 8-byte header length"},
      {"HeaderTooLarge", header_len(100'000'001) + "{}",
       "header length 100000001 exceeds the limit of 100000000 bytes"},
      {"HeaderPastEnd", header_len(64) + "{}", "header length 64 runs past the end of the file (10 bytes)"},
      {"EmptyHeader", header_len(0), "header is empty, expected a JSON object"},
      {"InvalidUtf8", safetensors_bytes("{\"\xff\":1}"), "header is not valid UTF-8"},
      {"NotAnObject", safetensors_bytes("[1,2]"), "header does not start with '{'"},
      {"InvalidJson", safetensors_bytes("{\"a\":"), "header is not valid JSON"},
      {"DuplicateTensor", safetensors_bytes("{\"a\":{" + kF32x2 + "},\"a\":{" + kF32x2 + "}}", std::string(8, '\0')),
       "duplicate tensor name \"a\" in header"},
      {"EntryNotObject", safetensors_bytes(R"({"a":[1]})"), "tensor \"a\": entry must be an object"},
      {"MissingField", one(R"("dtype":"F32","data_offsets":[0,8])"), "tensor \"a\": missing field \"shape\""},
      {"DuplicateField", one(R"("dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8])"),
       "tensor \"a\": duplicate field \"dtype\""},
      {"UnknownDtype", one(R"("dtype":"F128","shape":[2],"data_offsets":[0,8])"), "unknown dtype \"F128\""},
      {"DtypeNotString", one(R"("dtype":7,"shape":[2],"data_offsets":[0,8])"),
       "dtype must be a string, found an integer"},
      {"ShapeNotArray", one(R"("dtype":"F32","shape":2,"data_offsets":[0,8])"), "shape must be an array"},
      {"NegativeDim", one(R"("dtype":"F32","shape":[-2],"data_offsets":[0,8])"),
       "shape[0] is -2, expected a non-negative integer"},
      {"FractionalDim", one(R"("dtype":"F32","shape":[1,2.0],"data_offsets":[0,8])"),
       "shape[1] is 2.0, expected a non-negative integer"},
      {"DimBeyondInt64", one(R"("dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8])"),
       "shape[0] is 9223372036854775808, larger than the largest supported dimension"},
      {"ElementCountOverflow", one(R"("dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8])"),
       "shape [4294967296, 4294967296] has more elements than fit in 64 bits"},
      {"BitCountOverflow", one(R"("dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8])"),
       "is larger than 2^64 bits"},
      {"PartialBytes", one(R"("dtype":"F4","shape":[3],"data_offsets":[0,2])", std::string(2, '\0')),
       "3 elements of F4 do not fill whole bytes"},
      {"OffsetsMalformed", one(R"("dtype":"F32","shape":[2],"data_offsets":[0])"),
       "data_offsets must be [begin, end] with non-negative integers, found [0]"},
      {"OffsetsNegative", one(R"("dtype":"F32","shape":[2],"data_offsets":[-8,0])"),
       "data_offsets must be [begin, end] with non-negative integers, found [-8,0]"},
      {"EndBeforeBegin", one(R"("dtype":"F32","shape":[2],"data_offsets":[8,0])"),
       "data_offsets [8, 0] end before they begin"},
      {"SizeMismatch", one(R"("dtype":"F32","shape":[2],"data_offsets":[0,4])", std::string(4, '\0')),
       "F32[2] needs 8 bytes but data_offsets [0, 4] span 4"},
      {"OutOfBounds", one(kF32x2, std::string(4, '\0')),
       "data_offsets [0, 8] run past the end of the data section (4 bytes; is the file truncated?)"},
      {"Overlap",
       safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                         std::string(12, '\0')),
       "tensor \"b\": data_offsets [4, 12] overlap tensor \"a\" at [0, 8]"},
      {"Gap",
       safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                         std::string(12, '\0')),
       "tensor \"b\": data_offsets [8, 12] leave a gap: bytes [4, 8] belong to no tensor"},
      {"TrailingBytes", one(kF32x2, std::string(13, '\0')),
       "5 trailing bytes after the last tensor (data section is 13 bytes, tensors cover 8)"},
      {"MetadataNotObject", safetensors_bytes(R"({"__metadata__":"pt"})"),
       "__metadata__ must be an object of strings, found a string"},
      {"MetadataValueNotString", safetensors_bytes(R"({"__metadata__":{"n":1}})"),
       "__metadata__ value for \"n\" must be a string, found an integer"},
      {"MetadataDuplicateKey", safetensors_bytes(R"({"__metadata__":{"k":"a","k":"b"}})"),
       "duplicate key \"k\" in __metadata__"},
  };
}

class SafetensorsCorrupt : public ::testing::TestWithParam<Corruption> {};

TEST_P(SafetensorsCorrupt, IsRefusedWithItsOwnMessage) {
  const Corruption& c = GetParam();
  std::string err = test::parse_error(c.bytes);
  ASSERT_FALSE(err.empty()) << "accepted";
  EXPECT_EQ(err.rfind("t.safetensors: ", 0), 0u) << err;
  EXPECT_NE(err.find(c.message), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Rules, SafetensorsCorrupt, ::testing::ValuesIn(corruptions()),
                         [](const auto& info) { return info.param.rule; });

TEST(SafetensorsCorruptMessages, AreDistinct) {
  std::set<std::string> seen;
  for (const auto& c : corruptions()) EXPECT_TRUE(seen.insert(test::parse_error(c.bytes)).second) << c.rule;
}

TEST(SafetensorsCorruptMessages, NamesAreQuotedOnOneLine) {
  // A name with a newline and 500 more characters: escaped and cut, the message one line.
  std::string name = "a\\nb" + std::string(500, 'x');
  std::string err = test::parse_error(
      safetensors_bytes("{\"" + name + R"(":{"dtype":"F128","shape":[],"data_offsets":[0,0]}})"));
  EXPECT_NE(err.find("tensor \"a\\x0ab"), std::string::npos) << err;
  EXPECT_NE(err.find("xxx\"...: unknown dtype"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  EXPECT_LT(err.size(), 250u);
}

TEST(SafetensorsCorruptMessages, EveryPrefixOfAValidFileIsRefused) {
  // Truncation anywhere: never a crash, always a FormatError.
  std::string good = one(kF32x2);
  ASSERT_EQ(test::parse_error(good), "");
  for (size_t n = 0; n < good.size(); ++n) EXPECT_NE(test::parse_error(good.substr(0, n)), "") << n;
}

TEST(SafetensorsCorruptMessages, ValidEdgeCasesAreAccepted) {
  EXPECT_EQ(test::parse_error(safetensors_bytes("{}")), "");
  EXPECT_EQ(test::parse_error(safetensors_bytes("{}      ")), "");  // padding
  EXPECT_EQ(test::parse_error(safetensors_bytes(R"({"__metadata__":null})")), "");
  EXPECT_EQ(test::parse_error(one(R"("dtype":"F32","shape":[0,3],"data_offsets":[0,0])", "")), "");
  // Tensors listed out of data order are fine: only the layout on disk matters.
  EXPECT_EQ(test::parse_error(safetensors_bytes(R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},)"
                                                R"("a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})",
                                                "xy")),
            "");
}

}  // namespace
}  // namespace cuddle
