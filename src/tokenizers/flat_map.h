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
  // FNV-1a over 8-byte words, finished with a multiply-xorshift mix.
  uint64_t h = 0xcbf29ce484222325ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

// String -> uint32 map; insert overwrites (later wins, like the JSON maps HF builds).
class StringIdMap {
 public:
  void reserve(size_t n) { rehash(capacity_for(n)); }
  void insert(std::string_view key, uint32_t value) {
    if ((keys_.size() + 1) * 2 > slots_.size()) rehash(capacity_for(keys_.size() + 1));
    uint64_t h = hash_bytes(key);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.index == kEmpty) {
        s = {h, static_cast<uint32_t>(keys_.size()), value};
        keys_.emplace_back(key);
        return;
      }
      if (s.hash == h && keys_[s.index] == key) {
        s.value = value;
        return;
      }
    }
  }
  const uint32_t* find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    uint64_t h = hash_bytes(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) return nullptr;
      if (s.hash == h && keys_[s.index] == key) return &s.value;
    }
  }
  size_t size() const { return keys_.size(); }
  template <class F> void for_each(F f) const {
    for (const Slot& s : slots_)
      if (s.index != kEmpty) f(std::string_view(keys_[s.index]), s.value);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = kEmpty;
    uint32_t value = 0;
  };
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
      if (s.index != kEmpty) {
        size_t i = s.hash & mask_;
        while (slots_[i].index != kEmpty) i = (i + 1) & mask_;
        slots_[i] = s;
      }
  }
  std::vector<Slot> slots_;
  std::vector<std::string> keys_;
  size_t mask_ = 0;
};

// (left id, right id) -> (rank, merged id) for BPE merges.
class PairMap {
 public:
  struct Value {
    uint32_t rank, new_id;
  };
  void reserve(size_t n) {
    size_t c = 16;
    while (c < n * 2) c *= 2;
    slots_.assign(c, Slot{});
    mask_ = c - 1;
  }
  void insert(uint32_t a, uint32_t b, Value v) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
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
