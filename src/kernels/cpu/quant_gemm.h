// GEMMs against quantized Linear weights (bitsandbytes' 8-bit and 4-bit formats), read where
// they lie (the mmap'd checkpoint or the quantizer's buffers): nothing is expanded to f32.
//
// int8: out[m, n] = float(sum_k A[m, k] * W[n, k]) * (a_scale[m] * w_scale[n]) * 6.200124e-05
//       (+ bias[n]): bitsandbytes' int8_mm_dequant, 6.200124e-05 = 1 / 127^2. A and W hold
//       values in [-127, 127]. AVX-512 VNNI: vpdpbusd on A + 128 (unsigned) against W, the
//       128 * row sum of W taken off afterwards; AVX2: vpmaddubsw on |A| and W signed by A
//       (no 16-bit saturation: 2 * 127 * 127 < 32767); a portable loop otherwise.
// 4-bit: out[m, n] = sum_k A[m, k] * code[q(n, k)] * absmax[(n * K + k) / blocksize]
//       (+ bias[n]), q the nibble of element n * K + k of the packed bytes (the first of a
//       pair in the high nibble). Weights are decoded 16 (AVX-512) or 8 (AVX2) at a time in
//       registers: a table permute of the nibbles times the block's absmax, then FMAs with
//       a tile of activation rows. From 16 activation rows on, each chunk of 48 weight rows
//       is instead decoded once into a per-thread f32 panel (never the whole weight) and
//       multiplied by the f32 weight_gemm micro-kernels. Needs K and blocksize multiples of
//       16; otherwise (and without AVX2) a portable loop.
#pragma once
#include <cstdint>

namespace cuddle::kernels {

enum class QuantIsa { Best, Avx512Vnni, Avx2, Generic };
// The requested family if this CPU runs it, else the best it does.
QuantIsa usable_quant_isa(QuantIsa want);
const char* quant_isa_name(QuantIsa isa);  // "avx512vnni", "avx2", "generic"

// out[i] = x[i] rounded to float16 (nearest, ties to even) and back: what bitsandbytes'
// A.to(torch.float16) does to activations before LLM.int8 quantises them. F16C when present.
void round_to_f16(const float* x, float* out, int64_t n);

// LLM.int8's row-wise activation quantisation: absmax[i] = max |a[i, :]|, q[i, c] =
// round_half_even(a[i, c] * (127 / absmax[i])); a zero row stays zero. AVX-512 when present.
void int8_quantize_rows(int64_t m, int64_t k, const float* a, int8_t* q, float* absmax);

// Row sums of an int8 weight [n, k] (the VNNI path's correction term).
void int8_row_sums(const int8_t* w, int64_t n, int64_t k, int32_t* sums);

void int8_gemm(int64_t m, int64_t n, int64_t k, const int8_t* a, const float* a_scale, const int8_t* w,
               const int32_t* w_row_sums, const float* w_scale, const float* bias, float* out,
               QuantIsa isa = QuantIsa::Best, bool parallel = true);

void fourbit_gemm(int64_t m, int64_t n, int64_t k, const float* a, const uint8_t* packed, const float* code16,
                  const float* absmax, int64_t blocksize, const float* bias, float* out,
                  QuantIsa isa = QuantIsa::Best, bool parallel = true);

}  // namespace cuddle::kernels
