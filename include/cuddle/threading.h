// Thread count for OpenMP regions and OpenBLAS (the OpenMP build shares one pool).
// Follows OMP_NUM_THREADS unless set_num_threads is called (the CLI's --threads).
#pragma once

namespace cuddle {

void set_num_threads(int n);
int num_threads();

}  // namespace cuddle
