// BPE's cache of merged words: word -> pieces, kept flat (id, byte length, id, ...). Encoding in
// parallel reads it on every word, so reads take no lock and write nothing shared: the
// table has a fixed number of slots, entries are immutable once published, and a slot
// only ever goes from empty to filled (release / acquire on its entry pointer). Inserts,
// rare once the frequent words are in, take a mutex; at `max_words` the cache stops
// growing (HF's cache also stops rather than evicts).
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace cuddle::tok {

class WordCache {
 public:
  explicit WordCache(size_t max_words);
  // Calls found(flat, count) and returns true if `word` (whose hash_bytes is `hash`) is
  // cached; flat[2k] and flat[2k + 1] are the id and byte length of piece k.
  template <class Found>
  bool find(std::string_view word, uint64_t hash, Found found) const {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint32_t* e = slots_[i].entry.load(std::memory_order_acquire);
      if (!e) return false;
      if (slots_[i].hash.load(std::memory_order_relaxed) != hash || e[0] != word.size()) continue;
      const uint32_t* flat = e + kHeader;
      if (std::memcmp(flat + 2 * e[1], word.data(), word.size()) != 0) continue;
      found(flat, e[1]);
      return true;
    }
  }
  void insert(std::string_view word, uint64_t hash, const std::vector<uint32_t>& flat);
  // Starts loading the slot where a lookup of `hash` begins.
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

 private:
  static constexpr size_t kHeader = 2;  // entry: word length, piece count, pieces, word bytes
  struct Slot {
    std::atomic<uint64_t> hash{0};
    std::atomic<const uint32_t*> entry{nullptr};
  };
  uint32_t* allocate(size_t words32);

  std::unique_ptr<Slot[]> slots_;
  size_t mask_, max_words_, count_ = 0;
  std::mutex insert_mutex_;
  std::vector<std::unique_ptr<uint32_t[]>> blocks_;  // entry storage, never moved
  size_t block_used_ = 0;
};

}  // namespace cuddle::tok
