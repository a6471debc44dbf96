// 4-bit NF4 / FP4 blockwise quantisation and bitsandbytes' blockwise 8-bit quantisation
// of the absmax (double quantisation), with the rounding of its CPU (torch) backend.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "cuddle/error.h"
#include "cuddle/quant.h"

namespace cuddle::quant {

namespace {

// bucketize(x, bounds) with right=False: the number of bounds strictly below x, so a value
// exactly on a midpoint takes the lower code.
template <size_t N>
int bucket(float x, const std::array<float, N>& bounds) {
  return static_cast<int>(std::lower_bound(bounds.begin(), bounds.end(), x) - bounds.begin());
}

// Blockwise absmax scaling as bitsandbytes' torch backend writes it: full blocks multiply
// by the f32 reciprocal of their absmax, the trailing partial block divides by its own;
// the absmax is clamped to 1e-38 so that an all-zero block scales to zero.
template <class Emit>
std::vector<float> scale_blocks(const float* x, int64_t n, int64_t blocksize, const Emit& emit) {
  const int64_t blocks = (n + blocksize - 1) / blocksize;
  std::vector<float> absmax(static_cast<size_t>(blocks));
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * blocksize, end = std::min(n, begin + blocksize);
    float m = 0.0f;
    for (int64_t i = begin; i < end; ++i) m = std::max(m, std::fabs(x[i]));
    absmax[b] = m;
    const float am = std::max(m, 1e-38f);
    const bool full = end - begin == blocksize;
    const float inv = 1.0f / am;
    for (int64_t i = begin; i < end; ++i) emit(i, std::clamp(full ? x[i] * inv : x[i] / am, -1.0f, 1.0f));
  }
  return absmax;
}

template <size_t N>
std::array<float, N - 1> midpoints(const std::array<float, N>& sorted) {
  std::array<float, N - 1> m{};
  for (size_t i = 0; i + 1 < N; ++i) m[i] = (sorted[i] + sorted[i + 1]) / 2.0f;
  return m;
}

// The sorted 4-bit code and, per sorted position, the code index (NF4 is sorted already;
// FP4's order is torch's stable argsort, which puts +0 (index 0) before -0 (index 8)).
struct SortedCode {
  std::array<float, 15> bounds;
  std::array<uint8_t, 16> index;
};
const SortedCode& sorted_code(FourBitType type) {
  static const auto make = [](FourBitType t) {
    const auto& code = four_bit_code(t);
    std::array<uint8_t, 16> order{};
    std::iota(order.begin(), order.end(), uint8_t{0});
    std::stable_sort(order.begin(), order.end(), [&](uint8_t a, uint8_t b) { return code[a] < code[b]; });
    std::array<float, 16> sorted{};
    for (int i = 0; i < 16; ++i) sorted[i] = code[order[i]];
    return SortedCode{midpoints(sorted), order};
  };
  static const SortedCode nf4 = make(FourBitType::NF4), fp4 = make(FourBitType::FP4);
  return type == FourBitType::NF4 ? nf4 : fp4;
}

Tensor f32_tensor(const std::vector<float>& v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }

}  // namespace

int64_t FourBitWeight::numel() const { return shape_numel(shape); }

Blockwise8 quantize_blockwise(const float* x, int64_t n, const std::array<float, 256>& code, int64_t blocksize) {
  const auto bounds = midpoints(code);
  Blockwise8 out;
  out.codes.resize(static_cast<size_t>(n));
  out.absmax = scale_blocks(x, n, blocksize, [&](int64_t i, float s) { out.codes[i] = uint8_t(bucket(s, bounds)); });
  return out;
}

FourBitWeight quantize_4bit(const Tensor& weight, FourBitType type, bool double_quant, int64_t blocksize) {
  if (blocksize < 16 || (blocksize & (blocksize - 1)) != 0)
    throw Error("quantize_4bit: blocksize " + std::to_string(blocksize) + " is not a power of two >= 16");
  const Tensor w = weight.to(DType::F32).contiguous();
  const int64_t n = w.numel();
  const SortedCode& sc = sorted_code(type);
  FourBitWeight out;
  out.type = type;
  out.blocksize = blocksize;
  out.shape = weight.shape();
  out.dtype = weight.dtype() == DType::F16 ? "float16" : weight.dtype() == DType::BF16 ? "bfloat16" : "float32";
  // An odd count is padded with one zero code, as torch's pad before packing.
  out.packed = Tensor::zeros({(n + 1) / 2, 1}, DType::U8);
  uint8_t* packed = out.packed.data<uint8_t>();
  const std::vector<float> absmax = scale_blocks(w.data<float>(), n, blocksize, [&](int64_t i, float s) {
    const uint8_t q = sc.index[bucket(s, sc.bounds)];
    packed[i >> 1] |= (i & 1) ? q : uint8_t(q << 4);  // the first of a pair in the high nibble
  });
  const auto& code = four_bit_code(type);
  out.quant_map = f32_tensor(std::vector<float>(code.begin(), code.end()));
  if (!double_quant) {
    out.absmax = f32_tensor(absmax);
    return out;
  }
  // Double quantisation: the absmax less its mean, blockwise (256) with the dynamic map.
  // The mean is summed in double and rounded once (torch sums f32 pairwise; the two agree
  // except when the f32 sum itself is off by an ulp).
  double sum = 0.0;
  for (float a : absmax) sum += a;
  out.nested = true;
  out.nested_offset = static_cast<float>(sum / static_cast<double>(absmax.size()));
  std::vector<float> centred(absmax.size());
  for (size_t i = 0; i < absmax.size(); ++i) centred[i] = absmax[i] - out.nested_offset;
  const Blockwise8 q = quantize_blockwise(centred.data(), static_cast<int64_t>(centred.size()), dynamic_map(),
                                          out.nested_blocksize);
  out.absmax = Tensor::from_vector(q.codes, {static_cast<int64_t>(q.codes.size())});
  out.nested_absmax = f32_tensor(q.absmax);
  out.nested_quant_map = f32_tensor(std::vector<float>(dynamic_map().begin(), dynamic_map().end()));
  return out;
}

std::vector<float> block_absmax(const FourBitWeight& w) {
  const int64_t blocks = w.blocks();
  std::vector<float> out(static_cast<size_t>(blocks));
  const Tensor absmax = w.absmax.contiguous();
  if (!w.nested) {
    const float* a = absmax.data<float>();
    std::copy(a, a + blocks, out.begin());
    return out;
  }
  // dequantize_blockwise(codes, nested_absmax, nested_quant_map, 256) + offset, in f32.
  const Tensor nested = w.nested_absmax.contiguous(), map = w.nested_quant_map.contiguous();
  const uint8_t* q = absmax.data<uint8_t>();
  const float* na = nested.data<float>();
  const float* code = map.data<float>();
  for (int64_t b = 0; b < blocks; ++b) out[b] = code[q[b]] * na[b / w.nested_blocksize] + w.nested_offset;
  return out;
}

Tensor dequantize_4bit(const FourBitWeight& w) {
  const int64_t n = w.numel();
  const std::vector<float> absmax = block_absmax(w);
  const auto& code = four_bit_code(w.type);
  const Tensor packed_t = w.packed.contiguous();
  const uint8_t* packed = packed_t.data<uint8_t>();
  Tensor out = Tensor::empty(w.shape, DType::F32);
  float* o = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t b = packed[i >> 1];
    o[i] = code[(i & 1) ? (b & 0x0F) : (b >> 4)] * absmax[i / w.blocksize];
  }
  return out;
}

void check_4bit(const FourBitWeight& w, const std::string& what) {
  auto fail = [&](const std::string& msg) { throw FormatError(what + ": 4-bit quant state: " + msg); };
  // Bounded so that block counts cannot overflow (bitsandbytes uses 32 .. 4096).
  constexpr int64_t kMaxBlock = int64_t{1} << 20;
  if (w.blocksize <= 0 || w.blocksize > kMaxBlock)
    fail("blocksize " + std::to_string(w.blocksize) + " is not in [1, " + std::to_string(kMaxBlock) + "]");
  for (int64_t d : w.shape)
    if (d < 0) fail("shape " + shape_str(w.shape) + " has a negative dimension");
  const int64_t n = w.numel();
  if (!w.packed.defined() || w.packed.dtype() != DType::U8 || w.packed.numel() != (n + 1) / 2)
    fail("weight " + (w.packed.defined() ? w.packed.describe() : std::string("(absent)")) + " does not hold " +
         std::to_string(n) + " 4-bit values of shape " + shape_str(w.shape) + " (expected U8 with " +
         std::to_string((n + 1) / 2) + " elements)");
  const DType absmax_type = w.nested ? DType::U8 : DType::F32;
  if (!w.absmax.defined() || w.absmax.dtype() != absmax_type || w.absmax.numel() != w.blocks())
    fail("absmax " + (w.absmax.defined() ? w.absmax.describe() : std::string("(absent)")) + " should be " +
         std::string(dtype_name(absmax_type)) + " with " + std::to_string(w.blocks()) + " blocks of " +
         std::to_string(w.blocksize));
  if (!w.quant_map.defined() || w.quant_map.dtype() != DType::F32 || w.quant_map.numel() != 16)
    fail("quant_map should be F32 with 16 values");
  if (!w.nested) return;
  if (w.nested_blocksize <= 0 || w.nested_blocksize > kMaxBlock)
    fail("nested_blocksize " + std::to_string(w.nested_blocksize) + " is not in [1, " + std::to_string(kMaxBlock) + "]");
  const int64_t nested_blocks = (w.blocks() + w.nested_blocksize - 1) / w.nested_blocksize;
  if (!w.nested_absmax.defined() || w.nested_absmax.dtype() != DType::F32 || w.nested_absmax.numel() != nested_blocks)
    fail("nested_absmax should be F32 with " + std::to_string(nested_blocks) + " values");
  if (!w.nested_quant_map.defined() || w.nested_quant_map.dtype() != DType::F32 || w.nested_quant_map.numel() != 256)
    fail("nested_quant_map should be F32 with 256 values");
}

}  // namespace cuddle::quant
