// Prints the machine's measured sgemm peak (GFLOP/s) as JSON.  usage: sgemm_peak [threads]
#include <cstdio>
#include <cstdlib>

#include "cuddle/threading.h"
#include "kernels/cpu/sgemm_peak.h"

int main(int argc, char** argv) {
  if (argc > 1) cuddle::set_num_threads(std::atoi(argv[1]));
  std::printf("{\"threads\": %d, \"peak_gflops\": %.1f}\n", cuddle::num_threads(),
              cuddle::kernels::measure_sgemm_peak_gflops());
}
