// The entries bitsandbytes saves for quantized Linear weights (names, dtypes, the packed
// quant-state JSON) and reading them back, including the bad inputs named in issue 16.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "cuddle/quant.h"
#include "test_util.h"

using namespace cuddle;
using namespace cuddle::quant;

namespace {
TensorLookup lookup_in(const NamedTensors& entries) {
  auto map = std::make_shared<std::map<std::string, Tensor>>(entries.begin(), entries.end());
  return [map](const std::string& key) {
    auto it = map->find(key);
    return it == map->end() ? Tensor() : it->second;
  };
}
std::string text_of(const Tensor& bytes) {
  const auto v = bytes.to_int_vector();
  return std::string(v.begin(), v.end());
}
Tensor bytes_of(const std::string& s) {
  return Tensor::from_vector(std::vector<uint8_t>(s.begin(), s.end()), {static_cast<int64_t>(s.size())});
}
Tensor ramp(int64_t rows, int64_t cols) {
  std::vector<float> v(rows * cols);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(float(i) * 0.37f) * (1.0f + float(i % 7));
  return Tensor::from_vector(v, {rows, cols});
}
}  // namespace

TEST(QuantFiles, Int8EntriesAsBitsandbytesNamesThem) {
  const Int8Weight w = quantize_int8(ramp(3, 8));
  const NamedTensors e = state_dict_entries("bert.pooler.dense.", w);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].first, "bert.pooler.dense.weight");
  EXPECT_EQ(e[0].second.dtype(), DType::I8);
  EXPECT_EQ(e[1].first, "bert.pooler.dense.SCB");
  EXPECT_EQ(e[1].second.dtype(), DType::F32);
  EXPECT_EQ(e[2].first, "bert.pooler.dense.weight_format");
  EXPECT_EQ(e[2].second.dtype(), DType::U8);
  EXPECT_EQ(e[2].second.dim(), 0);
  const Int8Weight back = read_int8_entries("bert.pooler.dense.", lookup_in(e), "test");
  EXPECT_EQ(back.CB.to_int_vector(), w.CB.to_int_vector());
  EXPECT_EQ(back.SCB.to_float_vector(), w.SCB.to_float_vector());
}

TEST(QuantFiles, FourBitEntriesAndQuantStateJson) {
  // Eight blocks with absmax 1, 0, 2, 0, 3, 0, 4, 0: the nested offset is their mean, 1.25.
  std::vector<float> x(4 * 128, 0.0f);
  for (int b = 0; b < 4; ++b) x[b * 128] = float(b + 1);
  const FourBitWeight w = quantize_4bit(Tensor::from_vector(x, {4, 128}), FourBitType::NF4, true);
  const NamedTensors e = state_dict_entries("l.", w);
  std::vector<std::string> names;
  for (const auto& [n, t] : e) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"l.weight", "l.weight.absmax", "l.weight.quant_map",
                                             "l.weight.nested_absmax", "l.weight.nested_quant_map",
                                             "l.weight.quant_state.bitsandbytes__nf4"}));
  // json.dumps' separators and QuantState.as_dict's key order; the offset as Python's repr.
  EXPECT_EQ(text_of(e.back().second),
            "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [4, 128], "
            "\"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 1.25}");
  const FourBitWeight back = read_4bit_entries("l.", lookup_in(e), "test");
  EXPECT_EQ(dequantize_4bit(back).to_float_vector(), dequantize_4bit(w).to_float_vector());
  const FourBitWeight plain = quantize_4bit(ramp(2, 64), FourBitType::FP4, false);
  EXPECT_EQ(quant_state_json(plain), "{\"quant_type\": \"fp4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [2, 64]}");
}

TEST(QuantFiles, BadQuantStatesAreClearErrors) {
  const FourBitWeight w = quantize_4bit(ramp(4, 64), FourBitType::FP4, false);
  auto entries = state_dict_entries("l.", w);
  auto with_state = [&](const std::string& json) {
    NamedTensors e = entries;
    e.back().second = bytes_of(json);
    return e;
  };
  // A shape that does not match the packed weight.
  EXPECT_NE(test::error_of([&] {
              read_4bit_entries("l.", lookup_in(with_state("{\"quant_type\": \"fp4\", \"blocksize\": 64, \"dtype\": "
                                                           "\"float32\", \"shape\": [8, 64]}")),
                                "m");
            }).find("does not hold 512 4-bit values"),
            std::string::npos);
  // Corrupt JSON.
  EXPECT_NE(test::error_of([&] { read_4bit_entries("l.", lookup_in(with_state("{\"quant_type\": ")), "m"); })
                .find("l.weight.quant_state is not valid JSON"),
            std::string::npos);
  // A missing part.
  NamedTensors no_absmax = entries;
  no_absmax.erase(no_absmax.begin() + 1);
  EXPECT_NE(test::error_of([&] { read_4bit_entries("l.", lookup_in(no_absmax), "m"); })
                .find("\"l.weight.absmax\" is missing"),
            std::string::npos);
  // A huge shape cannot overflow.
  EXPECT_NE(test::error_of([&] {
              read_4bit_entries("l.", lookup_in(with_state("{\"quant_type\": \"fp4\", \"blocksize\": 64, \"dtype\": "
                                                           "\"float32\", \"shape\": [4294967296, 4294967296]}")),
                                "m");
            }).find("not a dimension"),
            std::string::npos);
}

TEST(QuantFiles, QuantizationConfigJson) {
  BitsAndBytesConfig c;
  c.load_in_4bit = true;
  c.bnb_4bit_quant_type = "nf4";
  c.bnb_4bit_use_double_quant = true;
  const BitsAndBytesConfig back = BitsAndBytesConfig::from_json(c.to_json(), "test");
  EXPECT_TRUE(back.load_in_4bit);
  EXPECT_EQ(back.bnb_4bit_quant_type, "nf4");
  EXPECT_TRUE(back.bnb_4bit_use_double_quant);
  EXPECT_NE(test::error_of([] { BitsAndBytesConfig::from_json("{\"quant_method\": \"gptq\", \"bits\": 4}", "cfg"); })
                .find("quantization method \"gptq\" is not supported"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { BitsAndBytesConfig::from_json("{\"quant_method\": \"bitsandbytes\", "
                                                              "\"load_in_4bit\": true, \"bnb_4bit_quant_type\": \"int4\"}",
                                                              "cfg"); })
                .find("\"int4\" is not supported"),
            std::string::npos);
  // transformers' should_convert_module: a regex matched at the start, or a name suffix.
  EXPECT_TRUE(should_convert_module("bert.pooler.dense", {"classifier.bias", "bert.embeddings.word_embeddings"}));
  EXPECT_FALSE(should_convert_module("classifier", {"classifier"}));
  EXPECT_FALSE(should_convert_module("bert.encoder.layer.1.output.dense", {"bert.encoder.layer.[0-9]"}));
  EXPECT_FALSE(should_convert_module("bert.encoder.layer.1.output.dense", {"output.dense"}));
}
