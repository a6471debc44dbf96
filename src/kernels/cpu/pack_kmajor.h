// Packing of GEMM operands into k-major panels: `width` rows of floats become one panel
// whose k-th row holds element k of every row. weight_gemm.h packs the activations this way
// on every call, so this has to run at memory speed.
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm_isa.h"

namespace cuddle::kernels {

// dst[k * width + j] = rows[j][k] for k < kc, j < width (width <= 32; a null row packs as
// zeros). AVX-512: 16 x 16 register transposes; otherwise a scalar loop in k blocks.
void pack_kmajor(const float* const* rows, int64_t width, int64_t kc, GemmIsa isa, float* dst);

}  // namespace cuddle::kernels
