// The core's arithmetic ceiling: fused multiply-adds of the widest vector unit the CPU has,
// on registers only, so neither memory nor a BLAS's blocking limits it. The denominator
// for kernel efficiency figures (the OpenBLAS rate of sgemm_peak.h is what a BLAS gets).
#pragma once

namespace cuddle::kernels {

// GFLOP/s of all OpenMP threads (current thread count) together.
double measure_fma_peak_gflops();

}  // namespace cuddle::kernels
