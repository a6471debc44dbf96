// Which GEMM micro-kernel family this CPU runs, detected once at start-up. Tests force each
// family the CPU supports.
#pragma once

namespace cuddle::kernels {

enum class GemmIsa { Best, Avx512, Avx2, Generic };

// The requested family if this CPU runs it, else the best one it does.
GemmIsa usable_gemm_isa(GemmIsa want);
// The widest family this CPU runs, and a family's name ("avx512", "avx2", "generic").
GemmIsa best_gemm_isa();
const char* gemm_isa_name(GemmIsa isa);

}  // namespace cuddle::kernels
