#include "tokenizers/models/word_cache.h"

#include <algorithm>

namespace cuddle::tok {

static constexpr size_t kBlockWords = size_t{1} << 16;  // uint32s per storage block

WordCache::WordCache(size_t max_words) : max_words_(max_words) {
  size_t capacity = 16;
  while (capacity < max_words * 2) capacity *= 2;  // at most half full: probes stay short
  slots_.reset(new Slot[capacity]);
  mask_ = capacity - 1;
}

uint32_t* WordCache::allocate(size_t n) {
  if (blocks_.empty() || block_used_ + n > kBlockWords) {
    blocks_.emplace_back(new uint32_t[std::max(n, kBlockWords)]);
    block_used_ = 0;
  }
  uint32_t* p = blocks_.back().get() + block_used_;
  block_used_ += n;
  return p;
}

void WordCache::insert(std::string_view word, uint64_t hash, const std::vector<uint32_t>& flat) {
  std::lock_guard lock(insert_mutex_);
  if (count_ >= max_words_) return;
  size_t i = hash & mask_;
  for (;; i = (i + 1) & mask_) {
    const uint32_t* e = slots_[i].entry.load(std::memory_order_relaxed);
    if (!e) break;
    if (slots_[i].hash.load(std::memory_order_relaxed) == hash && e[0] == word.size() &&
        std::memcmp(e + kHeader + 2 * e[1], word.data(), word.size()) == 0)
      return;  // another thread cached it first
  }
  uint32_t* e = allocate(kHeader + flat.size() + (word.size() + 3) / 4);
  e[0] = static_cast<uint32_t>(word.size());
  e[1] = static_cast<uint32_t>(flat.size() / 2);
  std::copy(flat.begin(), flat.end(), e + kHeader);
  std::memcpy(e + kHeader + flat.size(), word.data(), word.size());
  slots_[i].hash.store(hash, std::memory_order_relaxed);
  slots_[i].entry.store(e, std::memory_order_release);
  ++count_;
}

}  // namespace cuddle::tok
