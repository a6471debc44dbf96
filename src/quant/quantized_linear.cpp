// Linear layers computed from their quantized weights: LLM.int8 (activations quantized per
// row on the fly, outlier columns in f32) and 4-bit (weights decoded inside the GEMM).
#include <cmath>

#include "cuddle/error.h"
#include "cuddle/ops.h"
#include "cuddle/quant.h"
#include "kernels/cpu/quant_gemm.h"

namespace cuddle::quant {

namespace {

constexpr float kInv127 = 7.874015718698502e-3f;  // as int8.cpp: bitsandbytes' 1/127

// x [..., K] as M rows of K f32 values, and the output shape with N features.
struct Rows {
  Tensor x;
  int64_t m, k;
  Shape out_shape;
};
Rows as_rows(const Tensor& input, int64_t in_features, int64_t out_features, const char* what) {
  if (input.dim() < 1 || input.size(-1) != in_features)
    throw ShapeError(std::string(what) + ": input " + input.describe() + " should end in " +
                     std::to_string(in_features) + " features");
  Rows r{input.to(DType::F32).contiguous(), 0, in_features, input.shape()};
  r.m = in_features ? r.x.numel() / in_features : 0;
  r.out_shape.back() = out_features;
  return r;
}

Tensor finish(Tensor out, Activation act) { return act == Activation::Identity ? out : ops::activation(out, act); }

const float* bias_of(const Tensor& bias, int64_t n, Tensor& keep, const char* what) {
  if (!bias.defined()) return nullptr;
  if (bias.numel() != n) throw ShapeError(std::string(what) + ": bias " + bias.describe() + " for " + std::to_string(n) + " outputs");
  keep = bias.to(DType::F32).contiguous();
  return keep.data<float>();
}

class Int8Linear final : public nn::QuantizedLinear {
 public:
  Int8Linear(Int8Weight w, float threshold) : w_{w.CB.contiguous(), w.SCB.contiguous()}, threshold_(threshold) {
    row_sums_.resize(static_cast<size_t>(w_.CB.size(0)));
    kernels::int8_row_sums(w_.CB.data<int8_t>(), w_.CB.size(0), w_.CB.size(1), row_sums_.data());
  }

  // bitsandbytes' MatMul8bitLt at inference: A cast to f16; columns holding a value with
  // |a| >= threshold are outliers: they are left out of the int8 product (zeroed before the
  // row absmax) and added back as x[:, cols] @ dequant(CB[:, cols])^T with the f32 inputs.
  Tensor forward(const Tensor& input, const Tensor& bias, Activation act) const override {
    const int64_t N = w_.CB.size(0);
    const Rows r = as_rows(input, w_.CB.size(1), N, "int8 Linear");
    const int64_t M = r.m, K = r.k;
    const float* x = r.x.data<float>();
    std::vector<float> a16(static_cast<size_t>(M * K));
    kernels::round_to_f16(x, a16.data(), M * K);
    std::vector<int64_t> outlier_cols;
    if (threshold_ > 0.0f) {
      std::vector<char> is_outlier(static_cast<size_t>(K), 0);
      for (int64_t i = 0; i < M * K; ++i)
        if (std::fabs(a16[i]) >= threshold_) is_outlier[i % K] = 1;
      for (int64_t c = 0; c < K; ++c)
        if (is_outlier[c]) outlier_cols.push_back(c);
      for (int64_t c : outlier_cols)
        for (int64_t i = 0; i < M; ++i) a16[i * K + c] = 0.0f;
    }
    std::vector<int8_t> qa(static_cast<size_t>(M * K));
    std::vector<float> sa(static_cast<size_t>(M));
    kernels::int8_quantize_rows(M, K, a16.data(), qa.data(), sa.data());
    Tensor keep_bias;
    const float* b = bias_of(bias, N, keep_bias, "int8 Linear");
    Tensor out = Tensor::empty(r.out_shape, DType::F32);
    float* o = out.data<float>();
    kernels::int8_gemm(M, N, K, qa.data(), sa.data(), w_.CB.data<int8_t>(), row_sums_.data(), w_.SCB.data<float>(), b, o);
    if (!outlier_cols.empty()) {
      // The outlier part as an f32 GEMM of the gathered columns (there may be many).
      const int64_t C = static_cast<int64_t>(outlier_cols.size());
      Tensor sub_a = Tensor::empty({M, C}, DType::F32), sub_w = Tensor::empty({N, C}, DType::F32);
      float* sa_p = sub_a.data<float>();
      float* sw_p = sub_w.data<float>();
      const int8_t* cb = w_.CB.data<int8_t>();
      const float* scb = w_.SCB.data<float>();
      for (int64_t i = 0; i < M; ++i)
        for (int64_t c = 0; c < C; ++c) sa_p[i * C + c] = x[i * K + outlier_cols[c]];
      for (int64_t j = 0; j < N; ++j)
        for (int64_t c = 0; c < C; ++c) sw_p[j * C + c] = (static_cast<float>(cb[j * K + outlier_cols[c]]) * scb[j]) * kInv127;
      const Tensor extra = ops::linear(sub_a, sub_w);
      const float* e = extra.data<float>();
      for (int64_t i = 0; i < M * N; ++i) o[i] += e[i];
    }
    return finish(out, act);
  }
  Tensor stored_weight() const override { return w_.CB; }
  Tensor dequantized_weight() const override { return dequantize_int8(w_); }
  int64_t out_features() const override { return w_.CB.size(0); }
  int64_t in_features() const override { return w_.CB.size(1); }
  int64_t resident_bytes() const override {
    return int64_t(w_.CB.nbytes() + w_.SCB.nbytes() + row_sums_.size() * sizeof(int32_t));
  }
  const Int8Weight& weight() const { return w_; }

 private:
  Int8Weight w_;
  float threshold_;
  std::vector<int32_t> row_sums_;
};

class FourBitLinear final : public nn::QuantizedLinear {
 public:
  explicit FourBitLinear(FourBitWeight w) : w_(std::move(w)) {
    check_4bit(w_, "4-bit Linear");
    if (w_.shape.size() != 2) throw ShapeError("4-bit Linear: weight shape " + shape_str(w_.shape) + " is not 2-D");
    w_.packed = w_.packed.contiguous();
    absmax_ = block_absmax(w_);
  }
  Tensor forward(const Tensor& input, const Tensor& bias, Activation act) const override {
    const int64_t N = w_.shape[0];
    const Rows r = as_rows(input, w_.shape[1], N, "4-bit Linear");
    Tensor keep_bias;
    const float* b = bias_of(bias, N, keep_bias, "4-bit Linear");
    Tensor out = Tensor::empty(r.out_shape, DType::F32);
    kernels::fourbit_gemm(r.m, N, r.k, r.x.data<float>(), w_.packed.data<uint8_t>(), four_bit_code(w_.type).data(),
                          absmax_.data(), w_.blocksize, b, out.data<float>());
    return finish(out, act);
  }
  Tensor stored_weight() const override { return w_.packed; }
  Tensor dequantized_weight() const override { return dequantize_4bit(w_); }
  int64_t out_features() const override { return w_.shape[0]; }
  int64_t in_features() const override { return w_.shape[1]; }
  int64_t resident_bytes() const override { return int64_t(w_.packed.nbytes() + absmax_.size() * sizeof(float)); }
  const FourBitWeight& weight() const { return w_; }

 private:
  FourBitWeight w_;
  std::vector<float> absmax_;  // per block, f32 (the nested state expanded once)
};

}  // namespace

std::shared_ptr<const nn::QuantizedLinear> make_quantized_linear(Int8Weight w, float threshold) {
  return std::make_shared<Int8Linear>(std::move(w), threshold);
}
std::shared_ptr<const nn::QuantizedLinear> make_quantized_linear(FourBitWeight w) {
  return std::make_shared<FourBitLinear>(std::move(w));
}

const Int8Weight* int8_weight_of(const nn::QuantizedLinear& q) {
  const auto* l = dynamic_cast<const Int8Linear*>(&q);
  return l ? &l->weight() : nullptr;
}
const FourBitWeight* four_bit_weight_of(const nn::QuantizedLinear& q) {
  const auto* l = dynamic_cast<const FourBitLinear*>(&q);
  return l ? &l->weight() : nullptr;
}

}  // namespace cuddle::quant
