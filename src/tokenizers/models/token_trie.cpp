#include "tokenizers/models/token_trie.h"

#include "cuddle/error.h"

namespace cuddle::tok {

void TokenTrie::reserve(size_t nodes) {
  ids_.reserve(nodes + 1);
  rehash(nodes);
}

void TokenTrie::rehash(size_t min_edges) {
  size_t cap = 16;
  while (2 * cap < 3 * min_edges) cap *= 2;
  if (cap <= edges_.size()) return;
  std::vector<Edge> old = std::move(edges_);
  edges_.assign(cap, Edge{});
  mask_ = cap - 1;
  shift_ = 32;
  for (size_t c = cap; c > 1; c >>= 1) --shift_;
  for (const Edge& e : old)
    if (e.key != kNone) {
      size_t i = slot(e.key);
      while (edges_[i].key != kNone) i = (i + 1) & mask_;
      edges_[i] = e;
    }
}

bool TokenTrie::insert(std::string_view token, uint32_t id) {
  uint32_t node = kRoot;
  for (unsigned char b : token) {
    uint32_t next = child(node, b);
    if (next == kNone) {
      if (ids_.size() >= (1u << 24) - 1) throw Error("vocabulary too large for a token trie");
      if (3 * (edge_count_ + 1) > 2 * edges_.size()) rehash(2 * (edge_count_ + 1));
      uint32_t key = node << 8 | b;
      size_t i = slot(key);
      while (edges_[i].key != kNone) i = (i + 1) & mask_;
      next = static_cast<uint32_t>(ids_.size());
      edges_[i] = {key, next};
      ids_.push_back(kNone);
      ++edge_count_;
    }
    node = next;
  }
  bool fresh = ids_[node] == kNone;
  ids_[node] = id;
  return fresh;
}

uint32_t TokenTrie::walk(uint32_t node, std::string_view s) const {
  for (unsigned char b : s) {
    if (node == kNone) return kNone;
    node = child(node, b);
  }
  return node;
}

}  // namespace cuddle::tok
