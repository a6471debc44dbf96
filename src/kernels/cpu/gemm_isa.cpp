#include "kernels/cpu/gemm_isa.h"

namespace cuddle::kernels {

namespace {

GemmIsa detect() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return GemmIsa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GemmIsa::Avx2;
  return GemmIsa::Generic;
}

const GemmIsa kBest = detect();

}  // namespace

GemmIsa usable_gemm_isa(GemmIsa want) {
  if (want == GemmIsa::Best) return kBest;
  if (want == GemmIsa::Avx512 && kBest != GemmIsa::Avx512) return kBest;
  if (want == GemmIsa::Avx2 && kBest == GemmIsa::Generic) return kBest;
  return want;
}

GemmIsa best_gemm_isa() { return kBest; }

const char* gemm_isa_name(GemmIsa isa) {
  switch (usable_gemm_isa(isa)) {
    case GemmIsa::Avx512: return "avx512";
    case GemmIsa::Avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace cuddle::kernels
