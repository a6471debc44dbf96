#include "kernels/cpu/kernels.h"
#include "kernels/cpu/multiversion.h"

namespace cuddle::kernels {

namespace {
CUDDLE_MULTIVERSION
void sum_rows(const float* a, const float* b, const float* c, int64_t n, float* out) {
  for (int64_t j = 0; j < n; ++j) {
    float v = a[j];
    if (b) v += b[j];
    if (c) v += c[j];
    out[j] = v;
  }
}
}  // namespace

void embedding_sum(int64_t tokens, int64_t n, const float* table0, const int64_t* ids0,
                   const float* table1, const int64_t* ids1, const float* table2,
                   const int64_t* ids2, float* out) {
#pragma omp parallel for schedule(static) if (tokens * n > 16384)
  for (int64_t t = 0; t < tokens; ++t)
    sum_rows(table0 + ids0[t] * n, table1 ? table1 + ids1[t] * n : nullptr,
             table2 ? table2 + ids2[t] * n : nullptr, n, out + t * n);
}

}  // namespace cuddle::kernels
