// Ops: shapes, dtype handling and error messages; the numerics are the kernels' (tested in
// tests/kernels), so values here are checked on small hand-computable cases.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/ops.h"
#include "test_util.h"

using namespace cuddle;

namespace {
Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
}  // namespace

TEST(Ops, LinearMatchesMatmulAndAcceptsBf16Weights) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  Tensor w = f32({1, 0, 0, 0, 1, -1}, {2, 3});
  Tensor b = f32({0.5f, -0.5f}, {2});
  Tensor y = ops::linear(x, w, b);
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(y.to_float_vector(), (std::vector<float>{1.5f, -1.5f, 4.5f, -1.5f}));
  Tensor y16 = ops::linear(x, w.to(DType::BF16), b.to(DType::BF16));
  EXPECT_EQ(y16.to_float_vector(), y.to_float_vector());
  Tensor m = ops::matmul(x, w.transpose(0, 1));
  EXPECT_EQ(m.to_float_vector(), (std::vector<float>{1, -1, 4, -1}));
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::linear(x, f32({1, 2}, {1, 2})); }).find("weight F32[1, 2]"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::linear(Tensor::arange(3), w); }).find("must be floating"),
            std::string::npos);
}

TEST(Ops, LinearWeightReadsWeightsInPlaceAndStacksThem) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor q = f32({1, 0, 0, 0, 1, -1}, {2, 3});
  Tensor k = f32({2, 0, 1}, {1, 3});
  Tensor b = f32({0.5f, -0.5f, 1.f}, {3});
  ops::LinearWeight single(q);
  EXPECT_EQ(ops::linear(x, single).to_float_vector(), ops::linear(x, q).to_float_vector());
  EXPECT_TRUE(single.reads(q));
  EXPECT_FALSE(single.reads(q.clone()));  // another tensor with the same values
  // A bf16 weight is converted once; the LinearWeight still recognises its source.
  Tensor q16 = q.to(DType::BF16);
  ops::LinearWeight converted(q16);
  EXPECT_TRUE(converted.reads(q16));
  EXPECT_EQ(ops::linear(x, converted).to_float_vector(), ops::linear(x, q).to_float_vector());
  // Stacked by rows (a fused projection) equals the concatenated weight.
  ops::LinearWeight stacked(std::vector<Tensor>{q, k});
  EXPECT_EQ(stacked.out_features(), 3);
  EXPECT_FALSE(stacked.reads(q));
  Tensor qk = f32({1, 0, 0, 0, 1, -1, 2, 0, 1}, {3, 3});
  EXPECT_EQ(ops::linear(x, stacked, b).to_float_vector(), ops::linear(x, qk, b).to_float_vector());
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::LinearWeight(std::vector<Tensor>{q, f32({1, 2}, {1, 2})}); })
                .find("differ in columns"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::linear(x, ops::LinearWeight()); }).find("empty"), std::string::npos);
}

TEST(Ops, BatchedMatmul) {
  Tensor a = f32({1, 2, 3, 4}, {2, 1, 2});
  Tensor b = f32({1, 1, 2, 2}, {2, 2, 1});
  EXPECT_EQ(ops::matmul(a, b).to_float_vector(), (std::vector<float>{3, 14}));
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::matmul(a, f32({1, 2, 3}, {3, 1})); }).find("inner"),
            std::string::npos);
}

TEST(Ops, AddBroadcastsSuffix) {
  Tensor a = f32({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(ops::add(a, f32({10, 20}, {2})).to_float_vector(),
            (std::vector<float>{11, 22, 13, 24}));
  EXPECT_FALSE(test::error_of<ShapeError>([&] { ops::add(a, f32({1, 2, 3}, {3})); }).empty());
}

TEST(Ops, SoftmaxAnyDimAndLayerNorm) {
  Tensor x = f32({0, 0, 1, 1}, {2, 2});
  auto s0 = ops::softmax(x, 0).to_float_vector();
  EXPECT_NEAR(s0[0], 1 / (1 + std::exp(1.0)), 1e-6);
  EXPECT_NEAR(s0[0] + s0[2], 1.0, 1e-6);
  auto s1 = ops::softmax(x).to_float_vector();
  EXPECT_NEAR(s1[0], 0.5, 1e-6);
  Tensor ln = ops::add_layer_norm(x, f32({1, -1, 0, 0}, {2, 2}), f32({1, 1}, {2}),
                                  f32({0, 0}, {2}), 0.0f);
  EXPECT_NEAR(ln.to_float_vector()[0], 1.0, 1e-6);
  EXPECT_NEAR(ln.to_float_vector()[1], -1.0, 1e-6);
  EXPECT_FALSE(test::error_of<ShapeError>([&] { ops::layer_norm(x, f32({1}, {1}), f32({1}, {1}), 1e-5f); }).empty());
}

TEST(Ops, ActivationDoesNotTouchInput) {
  Tensor x = f32({-1, 2}, {2});
  Tensor y = ops::relu(x);
  EXPECT_EQ(x.to_float_vector(), (std::vector<float>{-1, 2}));
  EXPECT_EQ(y.to_float_vector(), (std::vector<float>{0, 2}));
}

TEST(Ops, EmbeddingChecksIds) {
  Tensor w = f32({0, 1, 10, 11, 20, 21}, {3, 2});
  Tensor ids = Tensor::from_vector<int32_t>({2, 0}, {1, 2});
  Tensor e = ops::embedding(w, ids);
  EXPECT_EQ(e.shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(e.to_float_vector(), (std::vector<float>{20, 21, 0, 1}));
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::embedding(w, Tensor::from_vector<int64_t>({3}, {1})); })
                .find("id 3"),
            std::string::npos);
}

TEST(Ops, AttentionOnFusedSlicesWithPadding) {
  // B=1, S=2, one head of width 1: q=k=v columns of a fused [1, 2, 3] tensor.
  Tensor qkv = f32({1, 1, 5, 1, 1, 7}, {1, 2, 3});
  Tensor q = qkv.slice(2, 0, 1), k = qkv.slice(2, 1, 2), v = qkv.slice(2, 2, 3);
  auto all = ops::attention(q, k, v, 1).to_float_vector();
  EXPECT_NEAR(all[0], 6.0, 1e-6);  // equal scores: mean of 5 and 7
  Tensor mask = Tensor::from_vector<int64_t>({1, 0}, {1, 2});
  auto padded = ops::attention(q, k, v, 1, mask).to_float_vector();
  EXPECT_NEAR(padded[0], 5.0, 1e-6);
  EXPECT_NEAR(padded[1], 5.0, 1e-6);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::attention(q, k, v, 2); }).find("divisible"), std::string::npos);
  // Causal: the first query sees only the first key.
  auto causal = ops::attention(q, k, v, 1, {}, /*causal=*/true).to_float_vector();
  EXPECT_NEAR(causal[0], 5.0, 1e-6);
  EXPECT_NEAR(causal[1], 6.0, 1e-6);
}

TEST(Ops, CrossAttentionShapes) {
  // One query over three keys of width 1: equal scores average v.
  Tensor q = f32({0}, {1, 1, 1}), k = f32({1, 1, 1}, {1, 3, 1}), v = f32({3, 6, 9}, {1, 3, 1});
  auto out = ops::attention(q, k, v, 1);
  EXPECT_EQ(out.shape(), (Shape{1, 1, 1}));
  EXPECT_NEAR(out.to_float_vector()[0], 6.0, 1e-6);
  Tensor mask = Tensor::from_vector<int64_t>({1, 1, 0}, {1, 3});
  EXPECT_NEAR(ops::attention(q, k, v, 1, mask).to_float_vector()[0], 4.5, 1e-6);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::attention(q, k, v, 1, {}, true); }).find("causal"), std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::attention(q, k, f32({1, 2}, {1, 2, 1}), 1); }).find("[B, Sk, W]"),
            std::string::npos);
}
