// A byte trie over vocabulary tokens for models that look for the vocab entries starting
// at a position (WordPiece's longest match, Unigram's lattice): one walk answers what a
// lookup per candidate length would, with no key built or hashed per candidate. Edges
// live in one open-addressing table keyed by (node, byte), at most 2/3 full, so building it
// costs one probe per token byte and no allocation per node (and, the table being small,
// few first-touch page faults: those dominate loading a small vocabulary).
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace cuddle::tok {

class TokenTrie {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kRoot = 0;

  // Sizes the tables for about `nodes` nodes (they grow past it as needed).
  void reserve(size_t nodes);
  // Maps `token` to `id`, replacing an earlier id; returns false if it was already there.
  bool insert(std::string_view token, uint32_t id);
  // The node reached from `node` by the bytes of s, or kNone.
  uint32_t walk(uint32_t node, std::string_view s) const;
  // Calls f(len, id) for every token s[0, len) (len >= 1) reached by walking from
  // `node`, shortest first: the candidates that start at one position of a text.
  template <class F>
  void for_each_prefix(uint32_t node, std::string_view s, F f) const {
    for (size_t i = 0; i < s.size(); ++i) {
      node = child(node, static_cast<unsigned char>(s[i]));
      if (node == kNone) return;
      if (ids_[node] != kNone) f(i + 1, ids_[node]);
    }
  }
  // The longest of those: (len, id), or (0, kNone).
  std::pair<size_t, uint32_t> longest_prefix(uint32_t node, std::string_view s) const {
    std::pair<size_t, uint32_t> best{0, kNone};
    for_each_prefix(node, s, [&](size_t len, uint32_t id) { best = {len, id}; });
    return best;
  }
  // The id of exactly `token`, or kNone.
  uint32_t find(std::string_view token) const {
    uint32_t node = walk(kRoot, token);
    return node == kNone ? kNone : ids_[node];
  }

 private:
  struct Edge {
    uint32_t key = kNone;  // node << 8 | byte
    uint32_t child = kNone;
  };
  // Fibonacci hashing: the top bits of key * 2^32/phi.
  size_t slot(uint32_t key) const { return static_cast<uint32_t>(key * 0x9E3779B1u) >> shift_; }
  uint32_t child(uint32_t node, unsigned char b) const {
    if (edges_.empty()) return kNone;
    uint32_t key = node << 8 | b;
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (edges_[i].key == key) return edges_[i].child;
      if (edges_[i].key == kNone) return kNone;
    }
  }
  void rehash(size_t min_edges);

  std::vector<Edge> edges_;
  std::vector<uint32_t> ids_{kNone};  // per node
  size_t mask_ = 0, shift_ = 28, edge_count_ = 0;
};

}  // namespace cuddle::tok
