#include "cuddle/random.h"

#include <atomic>

namespace cuddle {

namespace {
std::atomic<uint64_t> g_seed{0x5eedULL};
std::atomic<uint64_t> g_counter{0};

// SplitMix64's finaliser: a bijective mix whose output passes BigCrush for counter inputs.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

void manual_seed(uint64_t seed) {
  g_seed.store(seed);
  g_counter.store(0);
}

RandomState random_state() { return {g_seed.load(), g_counter.load()}; }

void set_random_state(const RandomState& state) {
  g_seed.store(state.seed);
  g_counter.store(state.counter);
}

uint64_t next_random_stream() { return mix(g_seed.load() ^ mix(g_counter.fetch_add(1))); }

float uniform_at(uint64_t stream, uint64_t index) {
  // 24 random bits: every float in [0, 1) with spacing 2^-24, never 1.
  return static_cast<float>(mix(stream ^ mix(index)) >> 40) * (1.0f / 16777216.0f);
}

}  // namespace cuddle
