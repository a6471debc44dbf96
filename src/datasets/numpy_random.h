// numpy's Generator(PCG64(seed)) as datasets uses it (numpy.random.default_rng(seed)):
// the bit generator and the draws datasets' shuffles and splits make. Internal to the
// datasets layer (numpy_random.cpp, stratify.cpp).
#pragma once
#include <cstdint>
#include <vector>

namespace cuddle::datasets {

class NumpyGenerator {
 public:
  explicit NumpyGenerator(uint64_t seed);

  uint64_t next64();
  // numpy buffers the high half of a 64-bit draw for the next 32-bit request.
  uint32_t next32();
  // random_interval: uniform in [0, max] by masked rejection (what shuffle draws).
  uint64_t interval(uint64_t max);
  // random_bounded_uint64 without a mask: uniform in [0, max] by Lemire's rejection (what
  // choice draws).
  uint64_t bounded(uint64_t max);

  // shuffle of a 1-d array: from the last element down, swap with interval(i).
  void shuffle(std::vector<int64_t>& values);
  // permutation(n): shuffle of arange(n).
  std::vector<int64_t> permutation(int64_t n);
  // choice(pop_size, size, replace=False) as indices: Floyd's sampling (or a tail shuffle
  // for large populations), then shuffled, as numpy does.
  std::vector<int64_t> choice_without_replacement(int64_t pop_size, int64_t size);

 private:
  void step();
  unsigned __int128 state_ = 0, inc_ = 0;
  bool has_uint32_ = false;
  uint32_t uinteger_ = 0;
};

}  // namespace cuddle::datasets
