// The machine's sustained single-precision GEMM rate, measured through OpenBLAS on a large
// square product: the denominator of every "fraction of peak" figure cuddle reports.
#pragma once

namespace cuddle::kernels {

// Best GFLOP/s over a few 2048^3 products on the current OpenMP thread count.
double measure_sgemm_peak_gflops();

}  // namespace cuddle::kernels
