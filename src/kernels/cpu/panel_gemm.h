// The many-row half of weight_gemm (weight_gemm.h). The weight rows are packed on every
// call into k-major panels of NR columns, then each thread multiplies its own activation
// rows against all panels with MR x NR micro-kernels that broadcast activations
// (AVX-512 12 x 32, AVX2+FMA 6 x 16). With hundreds of rows per thread the packing is
// amortised, and the 32-column weight panel is the operand that stays in L1, where the
// in-place tiles must stream the wide operand from L2.
#pragma once
#include <cstdint>

#include "cuddle/activation.h"
#include "kernels/cpu/gemm_isa.h"

namespace cuddle::kernels {

// Columns per weight panel (NR), and activation rows per micro-kernel call (MR), of a
// usable ISA; gemm_rows_against_panels runs best on row ranges that are multiples of MR.
int64_t weight_panel_width(GemmIsa isa);
int64_t panel_row_tile(GemmIsa isa);

// Packs weight panels [p0, p1) of the n weight rows `rows` (k floats each) k-major, panel p
// at dst + (p - p0) * k * nr, holding rows p * nr .. p * nr + nr - 1 (zeros past n).
void pack_weight_panels(const float* const* rows, int64_t n, int64_t k, GemmIsa isa, int64_t p0, int64_t p1,
                        float* dst);

// Rows [r0, r1) of C = act(A W^T + bias) against all panels packed by pack_weight_panels;
// single-threaded (each thread calls it for its own rows).
void gemm_rows_against_panels(int64_t r0, int64_t r1, const float* a, int64_t lda, const float* panels, int64_t n,
                              int64_t k, GemmIsa isa, const float* bias, float* c, int64_t ldc, Activation act);

}  // namespace cuddle::kernels
