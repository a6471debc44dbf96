// numpy.random.default_rng(seed), bit for bit: datasets shuffles and splits with its
// permutation (and, for stratified splits, choice), so the same seed must give the same
// rows. SeedSequence turns the seed into PCG64's 256 bits of state, PCG64 (XSL-RR 128/64)
// draws 64-bit words (split into two 32-bit draws when only 32 are needed); shuffle walks
// from the end, drawing each swap index by rejection under a bit mask; choice without
// replacement uses Floyd's algorithm with Lemire's bounded draws.
#include <array>

#include "cuddle/datasets.h"
#include "datasets/numpy_random.h"

namespace cuddle::datasets {

namespace {

// SeedSequence constants (numpy/random/bit_generator.pyx, after M. O'Neill's seed_seq).
constexpr uint32_t kInitA = 0x43b0d7e5, kMultA = 0x931e8875, kInitB = 0x8b51f9dd, kMultB = 0x58f38ded;
constexpr uint32_t kMixMultL = 0xca01f9dd, kMixMultR = 0x4973f715;
constexpr int kXShift = 16;
constexpr size_t kPoolSize = 4;

uint32_t hashmix(uint32_t value, uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  value ^= value >> kXShift;
  return value;
}

uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t r = kMixMultL * x - kMixMultR * y;
  return r ^ (r >> kXShift);
}

// SeedSequence(seed).generate_state(4, uint64).
std::array<uint64_t, 4> seed_sequence_state(uint64_t seed) {
  // The integer's 32-bit words, least significant first; 0 is one word.
  std::vector<uint32_t> entropy;
  do {
    entropy.push_back(static_cast<uint32_t>(seed));
    seed >>= 32;
  } while (seed != 0);
  std::array<uint32_t, kPoolSize> pool{};
  uint32_t hash_const = kInitA;
  for (size_t i = 0; i < kPoolSize; ++i) pool[i] = hashmix(i < entropy.size() ? entropy[i] : 0, hash_const);
  for (size_t src = 0; src < kPoolSize; ++src)
    for (size_t dst = 0; dst < kPoolSize; ++dst)
      if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src], hash_const));
  for (size_t src = kPoolSize; src < entropy.size(); ++src)
    for (size_t dst = 0; dst < kPoolSize; ++dst) pool[dst] = mix(pool[dst], hashmix(entropy[src], hash_const));

  std::array<uint32_t, 8> words{};
  uint32_t hc = kInitB;
  for (size_t i = 0; i < words.size(); ++i) {
    uint32_t v = pool[i % kPoolSize];
    v ^= hc;
    hc *= kMultB;
    v *= hc;
    v ^= v >> kXShift;
    words[i] = v;
  }
  std::array<uint64_t, 4> out{};
  for (size_t i = 0; i < 4; ++i) out[i] = words[2 * i] | (static_cast<uint64_t>(words[2 * i + 1]) << 32);
  return out;
}

using u128 = unsigned __int128;

// Smallest all-ones bit mask >= max.
uint64_t gen_mask(uint64_t max) {
  uint64_t mask = max;
  for (int s = 1; s <= 32; s <<= 1) mask |= mask >> s;
  return mask;
}

// choice's shuffle of data[first..n) with Lemire draws (numpy's _shuffle_int).
void shuffle_int(NumpyGenerator& g, int64_t n, int64_t first, std::vector<int64_t>& data) {
  for (int64_t i = n - 1; i >= first; --i)
    std::swap(data[static_cast<size_t>(i)], data[static_cast<size_t>(g.bounded(static_cast<uint64_t>(i)))]);
}

}  // namespace

NumpyGenerator::NumpyGenerator(uint64_t seed) {
  auto s = seed_sequence_state(seed);
  const u128 initstate = (static_cast<u128>(s[0]) << 64) | s[1];
  const u128 initseq = (static_cast<u128>(s[2]) << 64) | s[3];
  state_ = 0;
  inc_ = (initseq << 1) | 1;
  step();
  state_ += initstate;
  step();
}

void NumpyGenerator::step() {
  static const u128 kMult = (static_cast<u128>(2549297995355413924ULL) << 64) | 4865540595714422341ULL;
  state_ = state_ * kMult + inc_;
}

uint64_t NumpyGenerator::next64() {
  step();
  const uint64_t x = static_cast<uint64_t>(state_ >> 64) ^ static_cast<uint64_t>(state_);
  const unsigned rot = static_cast<unsigned>(state_ >> 122);
  return (x >> rot) | (x << ((64 - rot) & 63));
}

uint32_t NumpyGenerator::next32() {
  if (has_uint32_) {
    has_uint32_ = false;
    return uinteger_;
  }
  uint64_t v = next64();
  has_uint32_ = true;
  uinteger_ = static_cast<uint32_t>(v >> 32);
  return static_cast<uint32_t>(v);
}

uint64_t NumpyGenerator::interval(uint64_t max) {
  if (max == 0) return 0;
  const uint64_t mask = gen_mask(max);
  uint64_t v;
  if (max <= 0xffffffffULL) {
    while ((v = (next32() & mask)) > max) {
    }
  } else {
    while ((v = (next64() & mask)) > max) {
    }
  }
  return v;
}

uint64_t NumpyGenerator::bounded(uint64_t max) {
  if (max == 0) return 0;
  if (max == 0xffffffffULL) return next32();
  if (max < 0xffffffffULL) {
    // 32-bit Lemire: the high word of draw * range, rejecting the biased low words.
    const uint32_t range = static_cast<uint32_t>(max) + 1;
    uint64_t m = static_cast<uint64_t>(next32()) * range;
    uint32_t leftover = static_cast<uint32_t>(m);
    if (leftover < range) {
      const uint32_t threshold = (UINT32_MAX - static_cast<uint32_t>(max)) % range;
      while (leftover < threshold) {
        m = static_cast<uint64_t>(next32()) * range;
        leftover = static_cast<uint32_t>(m);
      }
    }
    return m >> 32;
  }
  if (max == UINT64_MAX) return next64();
  const uint64_t range = max + 1;
  u128 m = static_cast<u128>(next64()) * range;
  uint64_t leftover = static_cast<uint64_t>(m);
  if (leftover < range) {
    const uint64_t threshold = (UINT64_MAX - max) % range;
    while (leftover < threshold) {
      m = static_cast<u128>(next64()) * range;
      leftover = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

void NumpyGenerator::shuffle(std::vector<int64_t>& values) {
  for (int64_t i = static_cast<int64_t>(values.size()) - 1; i >= 1; --i)
    std::swap(values[static_cast<size_t>(i)], values[static_cast<size_t>(interval(static_cast<uint64_t>(i)))]);
}

std::vector<int64_t> NumpyGenerator::permutation(int64_t n) {
  std::vector<int64_t> p(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<int64_t>(i);
  shuffle(p);
  return p;
}

std::vector<int64_t> NumpyGenerator::choice_without_replacement(int64_t pop_size, int64_t size) {
  if (pop_size > 10000 && size > pop_size / 50) {
    // Tail shuffle: the last `size` of a partly shuffled arange.
    std::vector<int64_t> idx(static_cast<size_t>(pop_size));
    for (int64_t i = 0; i < pop_size; ++i) idx[static_cast<size_t>(i)] = i;
    shuffle_int(*this, pop_size, std::max<int64_t>(pop_size - size, 1), idx);
    return std::vector<int64_t>(idx.end() - size, idx.end());
  }
  // Floyd's algorithm with an open-addressing set sized to a power of two above 1.2 * size.
  std::vector<int64_t> idx(static_cast<size_t>(size));
  const uint64_t mask = gen_mask(static_cast<uint64_t>(1.2 * static_cast<double>(size)));
  std::vector<uint64_t> set(mask + 1, UINT64_MAX);
  for (int64_t j = pop_size - size; j < pop_size; ++j) {
    const uint64_t val = bounded(static_cast<uint64_t>(j));
    uint64_t loc = val & mask;
    while (set[loc] != UINT64_MAX && set[loc] != val) loc = (loc + 1) & mask;
    if (set[loc] == UINT64_MAX) {
      set[loc] = val;
      idx[static_cast<size_t>(j - pop_size + size)] = static_cast<int64_t>(val);
    } else {
      loc = static_cast<uint64_t>(j) & mask;
      while (set[loc] != UINT64_MAX) loc = (loc + 1) & mask;
      set[loc] = static_cast<uint64_t>(j);
      idx[static_cast<size_t>(j - pop_size + size)] = j;
    }
  }
  shuffle_int(*this, size, 1, idx);
  return idx;
}

std::vector<int64_t> numpy_permutation(uint64_t seed, int64_t n) { return NumpyGenerator(seed).permutation(n); }

}  // namespace cuddle::datasets
