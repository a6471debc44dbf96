// Open-addressing hash tables for the hot lookups of encoding (token -> id, merge pair ->
// rank): flat arrays with linear probing are several times faster here than
// std::unordered_map's node chasing.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cuddle::tok {

inline uint64_t hash_bytes(std::string_view s) {
  // FNV-1a over 8-byte words, finished with a multiply-xorshift mix. The last 0-7 bytes
  // are read with at most two loads (overlapping when 4-7), not a variable-size memcpy,
  // which would be a library call on this hot path.
  uint64_t h = 0xcbf29ce484222325ull ^ s.size();
  const char* p = s.data();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  size_t n = s.size() - i;
  uint64_t tail = 0;
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p + i, 4);
    std::memcpy(&hi, p + i + n - 4, 4);
    tail = lo | (uint64_t{hi} << 32);
  } else if (n > 0) {
    auto byte = [&](size_t k) { return uint64_t{static_cast<unsigned char>(p[i + k])}; };
    tail = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
  }
  h = (h ^ tail) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

// String -> uint32 map; insert overwrites (later wins, like the JSON maps HF builds).
// Keys live back to back in one arena, so a vocabulary of 200k tokens costs two
// allocations instead of one per token. Each slot holds the key's place in the arena, so
// a lookup touches the slot and the key bytes only. Loading a tokenizer is dominated by
// the cache misses of these lookups, hence the batched forms that overlap them.
class StringIdMap {
 public:
  void reserve(size_t n, size_t key_bytes = 0) {
    rehash(capacity_for(n));
    chars_.reserve(key_bytes);
  }
  void insert(std::string_view key, uint32_t value) { insert(key, hash_bytes(key), value); }
  // Inserts keys[i] -> values[i] in order, prefetching the slots of the keys ahead.
  void insert_all(const std::vector<std::string_view>& keys, const std::vector<uint32_t>& values) {
    reserve(size_ + keys.size());
    std::vector<uint64_t> hashes(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) hashes[i] = hash_bytes(keys[i]);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i + kAhead < keys.size()) __builtin_prefetch(&slots_[hashes[i + kAhead] & mask_]);
      insert(keys[i], hashes[i], values[i]);
    }
  }
  const uint32_t* find(std::string_view key) const { return find(key, hash_bytes(key)); }
  // out[i] = find(keys[i]) for n keys, their slot and key-byte misses overlapped.
  void find_all(const std::string_view* keys, size_t n, const uint32_t** out) const {
    uint64_t hashes[kBatch];
    for (size_t b = 0; b < n; b += kBatch) {
      size_t m = std::min(kBatch, n - b);
      for (size_t k = 0; k < m; ++k) {
        hashes[k] = hash_bytes(keys[b + k]);
        if (!slots_.empty()) __builtin_prefetch(&slots_[hashes[k] & mask_]);
      }
      for (size_t k = 0; k < m && !slots_.empty(); ++k) __builtin_prefetch(chars_.data() + slots_[hashes[k] & mask_].offset);
      for (size_t k = 0; k < m; ++k) out[b + k] = find(keys[b + k], hashes[k]);
    }
  }
  size_t size() const { return size_; }
  // f(key, value, offset) for every distinct key; `offset` places the key in the arena
  // (keys sit there in insertion order) and names it for key_at.
  template <class F> void for_each(F f) const {
    for (const Slot& s : slots_)
      if (s.size != kEmpty) f(key(s), s.value, s.offset);
  }
  std::string_view key_at(uint64_t offset, uint32_t size) const { return std::string_view(chars_).substr(offset, size); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;  // Slot::size of an empty slot
  static constexpr size_t kAhead = 8, kBatch = 32;
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;  // of the key in chars_
    uint32_t size = kEmpty;
    uint32_t value = 0;
  };
  std::string_view key(const Slot& s) const { return key_at(s.offset, s.size); }
  void insert(std::string_view key_, uint64_t h, uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(capacity_for(size_ + 1));
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.size == kEmpty) {
        s = {h, chars_.size(), static_cast<uint32_t>(key_.size()), value};
        chars_.append(key_);
        ++size_;
        return;
      }
      if (s.hash == h && key(s) == key_) {
        s.value = value;
        return;
      }
    }
  }
  const uint32_t* find(std::string_view key_, uint64_t h) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.size == kEmpty) return nullptr;
      if (s.hash == h && key(s) == key_) return &s.value;
    }
  }
  static size_t capacity_for(size_t n) {
    size_t c = 16;
    while (c < n * 2) c *= 2;
    return c;
  }
  void rehash(size_t cap) {
    if (cap <= slots_.size()) return;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (const Slot& s : old)
      if (s.size != kEmpty) {
        size_t i = s.hash & mask_;
        while (slots_[i].size != kEmpty) i = (i + 1) & mask_;
        slots_[i] = s;
      }
  }
  std::vector<Slot> slots_;
  std::string chars_;  // all keys, back to back
  size_t size_ = 0, mask_ = 0;
};

// (left id, right id) -> (rank, merged id) for BPE merges.
class PairMap {
 public:
  struct Value {
    uint32_t rank, new_id;
  };
  // At most ~5/8 full: half the memory of 1/2 at large sizes, probes still short.
  void reserve(size_t n) {
    size_t c = 16;
    while (c * 5 < n * 8) c *= 2;
    slots_.assign(c, Slot{});
    mask_ = c - 1;
  }
  void prefetch(uint32_t a, uint32_t b) const { __builtin_prefetch(&slots_[mix(key(a, b)) & mask_]); }
  void insert(uint32_t a, uint32_t b, Value v) {
    if ((count_ + 1) * 8 > slots_.size() * 5) grow();
    uint64_t k = key(a, b);
    for (size_t i = mix(k) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == kEmpty || slots_[i].key == k) {
        if (slots_[i].key == kEmpty) ++count_;
        slots_[i] = {k, v};
        return;
      }
    }
  }
  const Value* find(uint32_t a, uint32_t b) const {
    if (slots_.empty()) return nullptr;
    uint64_t k = key(a, b);
    for (size_t i = mix(k) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return &slots_[i].value;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = UINT64_MAX;
  struct Slot {
    uint64_t key = kEmpty;
    Value value{};
  };
  static uint64_t key(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }
  static uint64_t mix(uint64_t k) {
    k *= 0x9E3779B97F4A7C15ull;
    return k ^ (k >> 29);
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(std::max<size_t>(16, old.size()));
    count_ = 0;
    for (auto& s : old)
      if (s.key != kEmpty) insert(static_cast<uint32_t>(s.key >> 32), static_cast<uint32_t>(s.key), s.value);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, count_ = 0;
};

}  // namespace cuddle::tok
