// LLM.int8 weights: row-wise absmax int8, as bitsandbytes' Int8Params quantizes them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cuddle/error.h"
#include "cuddle/quant.h"

namespace cuddle::quant {

namespace {
// bitsandbytes dequantizes with (q * SCB) * 7.874015718698502e-3 (1/127 as a python float,
// rounded to f32 by torch's scalar multiply).
constexpr float kInv127 = 7.874015718698502e-3f;
}  // namespace

Int8Weight quantize_int8(const Tensor& weight) {
  if (weight.dim() != 2) throw ShapeError("quantize_int8: weight must be 2-D [out, in], got " + weight.describe());
  const Tensor w = weight.to(DType::F32).contiguous();
  const int64_t N = w.size(0), K = w.size(1);
  Int8Weight out{Tensor::empty({N, K}, DType::I8), Tensor::empty({N}, DType::F32)};
  const float* src = w.data<float>();
  int8_t* cb = out.CB.data<int8_t>();
  float* scb = out.SCB.data<float>();
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    // Int8Params casts the weight to float16 first; the absmax and the rounding see those values.
    float absmax = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      row[k] = f16_to_f32(f32_to_f16(src[n * K + k]));
      absmax = std::max(absmax, std::fabs(row[k]));
    }
    scb[n] = absmax;
    const float scale = 127.0f / absmax;
    // nearbyint rounds half to even as torch.round does; an all-zero row stays zero
    // (bitsandbytes would compute 0 * inf there).
    for (int64_t k = 0; k < K; ++k)
      cb[n * K + k] = absmax > 0.0f ? static_cast<int8_t>(std::nearbyint(row[k] * scale)) : int8_t{0};
  }
  return out;
}

Tensor dequantize_int8(const Int8Weight& w) {
  const int64_t N = w.CB.size(0), K = w.CB.size(1);
  Tensor out = Tensor::empty({N, K}, DType::F32);
  const Tensor cb_t = w.CB.contiguous(), scb_t = w.SCB.contiguous();
  const int8_t* cb = cb_t.data<int8_t>();
  const float* scb = scb_t.data<float>();
  float* o = out.data<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) o[n * K + k] = (static_cast<float>(cb[n * K + k]) * scb[n]) * kInv127;
  return out;
}

}  // namespace cuddle::quant
