#include <cstring>

#include "kernels/cpu/kernels.h"

namespace cuddle::kernels {

void embedding(int64_t tokens, int64_t n, const float* table, const int64_t* ids, float* out) {
#pragma omp parallel for schedule(static) if (tokens * n > 16384)
  for (int64_t t = 0; t < tokens; ++t)
    std::memcpy(out + t * n, table + ids[t] * n, static_cast<size_t>(n) * sizeof(float));
}

void embedding_columns(int64_t tokens, int64_t n, int64_t V, const float* table, const int64_t* ids, float* out) {
#pragma omp parallel for schedule(static) if (tokens * n > 16384)
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t k = 0; k < n; ++k) out[t * n + k] = table[k * V + ids[t]];
}

}  // namespace cuddle::kernels
