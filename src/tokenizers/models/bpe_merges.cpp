// The ids of a merge cost three vocab lookups, each a likely cache miss in a table of a
// few MB, so loading a 500k-merge file is mostly memory latency: the merges are resolved
// in blocks whose lookups overlap (Vocab::ids), and each block is inserted after the next
// one is resolved, its slots prefetched meanwhile. Error messages, with their JSON path, are built only for a
// bad merge.
#include "tokenizers/models/bpe_merges.h"

namespace cuddle::tok {
namespace {

// The two tokens of merge `m`; on failure returns false and says why in `error`.
bool parse(Json m, std::string_view& a, std::string_view& b, std::string& error) {
  if (m.is_string()) {
    std::string_view s(m);
    size_t sp = s.find(' ');
    if (sp == std::string_view::npos || s.find(' ', sp + 1) != std::string_view::npos) {
      error = "expected a merge \"left right\", got \"" + std::string(s) + "\"";
      return false;
    }
    a = s.substr(0, sp);
    b = s.substr(sp + 1);
    return true;
  }
  simdjson::dom::array pair;
  if (m.get_array().get(pair) || pair.size() != 2 || !pair.at(0).is_string() || !pair.at(1).is_string()) {
    error = "expected a pair of strings";
    return false;
  }
  a = std::string_view(pair.at(0));
  b = std::string_view(pair.at(1));
  return true;
}

}  // namespace

PairMap read_merges(const JsonRef& merges, const Vocab& vocab, size_t prefix_len) {
  if (!merges.is_array()) merges.fail("expected an array");
  simdjson::dom::array list(merges.value);
  PairMap map;
  map.reserve(list.size());

  constexpr size_t kBlock = 16;
  Json items[kBlock];
  std::string merged[kBlock];
  std::string_view keys[3 * kBlock];
  const uint32_t* ids[3 * kBlock];
  struct Resolved {
    uint32_t left, right, merged;
  } pending[kBlock];  // the previous block, its slots prefetched
  size_t n_pending = 0, rank = 0;
  auto insert_pending = [&] {
    for (size_t k = 0; k < n_pending; ++k)
      map.insert(pending[k].left, pending[k].right, {static_cast<uint32_t>(rank - n_pending + k), pending[k].merged});
  };
  auto fail = [&](size_t k, const std::string& why) {
    JsonRef{items[k], merges.path + "[" + std::to_string(rank + k) + "]"}.fail(why);
  };
  // Resolves the n merges in items[], ranks rank, rank + 1, ..., and inserts the previous
  // block; a malformed merge fails after those before it are checked, so errors name the
  // first bad merge.
  auto flush = [&](size_t n) {
    std::string error;
    size_t parsed = 0;
    for (; parsed < n; ++parsed) {
      size_t k = parsed;
      std::string_view a, b;
      if (!parse(items[k], a, b, error)) break;
      merged[k].assign(a);
      if (b.size() >= prefix_len) merged[k].append(b.substr(prefix_len));
      keys[3 * k] = a;
      keys[3 * k + 1] = b;
      keys[3 * k + 2] = merged[k];
    }
    vocab.ids(keys, 3 * parsed, ids);
    for (size_t k = 0; k < parsed; ++k) {
      const uint32_t** f = ids + 3 * k;
      if (!f[0] || !f[1]) fail(k, "merge token \"" + std::string(keys[3 * k + (f[0] ? 1 : 0)]) + "\" is not in the vocab");
      if (!f[2]) fail(k, "merged token \"" + merged[k] + "\" is not in the vocab");
    }
    if (parsed < n) fail(parsed, error);
    insert_pending();
    for (size_t k = 0; k < n; ++k) {
      pending[k] = {*ids[3 * k], *ids[3 * k + 1], *ids[3 * k + 2]};
      map.prefetch(pending[k].left, pending[k].right);
    }
    n_pending = n;
    rank += n;
  };
  size_t n = 0;
  for (Json m : list) {
    items[n++] = m;
    if (n == kBlock) {
      flush(n);
      n = 0;
    }
  }
  flush(n);
  insert_pending();
  return map;
}

}  // namespace cuddle::tok
