// The process-wide seed of training randomness (dropout masks), as torch.manual_seed.
// Each op that draws takes the next stream id from here and derives every element's
// random number from (stream, index) with a counter-based hash, so results do not depend
// on the thread count or on the order threads run in.
#pragma once
#include <cstdint>

namespace cuddle {

// Restarts the sequence of streams from `seed`.
void manual_seed(uint64_t seed);
// The next stream id (thread-safe).
uint64_t next_random_stream();
// Where the sequence of streams stands: what a checkpoint saves so a resumed run draws
// the same dropout masks as an uninterrupted one.
struct RandomState {
  uint64_t seed = 0;
  uint64_t counter = 0;  // streams handed out since manual_seed
};
RandomState random_state();
void set_random_state(const RandomState& state);
// A uniform float in [0, 1) for element `index` of `stream`.
float uniform_at(uint64_t stream, uint64_t index);

}  // namespace cuddle
