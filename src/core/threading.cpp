#include "cuddle/threading.h"

#include <omp.h>

#include "cuddle/error.h"

namespace cuddle {

void set_num_threads(int n) {
  if (n < 1) throw Error("thread count must be at least 1, got " + std::to_string(n));
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace cuddle
