// The ids of a merge cost three vocab lookups, each a likely cache miss in a table of a
// few MB, so loading a 500k-merge file is mostly memory latency: the merges are resolved
// in blocks whose lookups overlap, on the OpenMP threads (the vocab is read-only by then),
// and only inserted serially. Error messages, with their JSON path, are built only for
// the first bad merge.
#include "tokenizers/models/bpe_merges.h"

#include <atomic>

namespace cuddle::tok {
namespace {

struct MergeIds {
  uint32_t left, right, merged;
};

// The two tokens of merge `m`; on failure returns false and, if `error` is set, says why.
bool parse(Json m, std::string_view& a, std::string_view& b, std::string* error) {
  if (m.is_string()) {
    std::string_view s(m);
    size_t sp = s.find(' ');
    if (sp == std::string_view::npos || s.find(' ', sp + 1) != std::string_view::npos) {
      if (error) *error = "expected a merge \"left right\", got \"" + std::string(s) + "\"";
      return false;
    }
    a = s.substr(0, sp);
    b = s.substr(sp + 1);
    return true;
  }
  simdjson::dom::array pair;
  if (m.get_array().get(pair) || pair.size() != 2 || !pair.at(0).is_string() || !pair.at(1).is_string()) {
    if (error) *error = "expected a pair of strings";
    return false;
  }
  a = std::string_view(pair.at(0));
  b = std::string_view(pair.at(1));
  return true;
}

// Resolves items[begin, end) into ids[...]; returns the first bad index or `end`. With
// `error`, says what is wrong with that merge.
size_t resolve(const std::vector<Json>& items, size_t begin, size_t end, const Vocab& vocab, size_t prefix_len,
               std::vector<MergeIds>& ids, std::string* error) {
  constexpr size_t kBlock = 16;
  std::string merged[kBlock];
  std::string_view keys[3 * kBlock];
  const uint32_t* found[3 * kBlock];
  for (size_t b0 = begin; b0 < end; b0 += kBlock) {
    size_t n = std::min(kBlock, end - b0);
    bool unparsed = false;  // items[b0 + n] is malformed; the merges before it come first
    for (size_t k = 0; k < n; ++k) {
      std::string_view a, b;
      if (!parse(items[b0 + k], a, b, error)) {
        n = k;
        unparsed = true;
        break;
      }
      merged[k].assign(a);
      if (b.size() >= prefix_len) merged[k].append(b.substr(prefix_len));
      keys[3 * k] = a;
      keys[3 * k + 1] = b;
      keys[3 * k + 2] = merged[k];
    }
    vocab.ids(keys, 3 * n, found);
    for (size_t k = 0; k < n; ++k) {
      const uint32_t** f = found + 3 * k;
      if (!f[0] || !f[1] || !f[2]) {
        if (error && (!f[0] || !f[1])) *error = "merge token \"" + std::string(keys[3 * k + (f[0] ? 1 : 0)]) + "\" is not in the vocab";
        else if (error) *error = "merged token \"" + merged[k] + "\" is not in the vocab";
        return b0 + k;
      }
      ids[b0 + k] = {*f[0], *f[1], *f[2]};
    }
    if (unparsed) return b0 + n;
  }
  return end;
}

}  // namespace

PairMap read_merges(const JsonRef& merges, const Vocab& vocab, size_t prefix_len) {
  if (!merges.is_array()) merges.fail("expected an array");
  std::vector<Json> items;
  items.reserve(simdjson::dom::array(merges.value).size());
  for (Json m : simdjson::dom::array(merges.value)) items.push_back(m);

  const long n = static_cast<long>(items.size());
  constexpr long kChunk = 4096;
  std::vector<MergeIds> ids(items.size());
  std::atomic<long> first_bad{n};
#pragma omp parallel for schedule(dynamic, 1)
  for (long c = 0; c < n; c += kChunk) {
    long bad = static_cast<long>(resolve(items, c, std::min(n, c + kChunk), vocab, prefix_len, ids, nullptr));
    if (bad == std::min(n, c + kChunk)) continue;
    long seen = first_bad.load();
    while (bad < seen && !first_bad.compare_exchange_weak(seen, bad)) {
    }
  }
  if (long bad = first_bad.load(); bad < n) {
    std::string error;
    resolve(items, bad, bad + 1, vocab, prefix_len, ids, &error);
    JsonRef{items[bad], merges.path + "[" + std::to_string(bad) + "]"}.fail(error);
  }

  PairMap map;
  map.reserve(ids.size());
  constexpr size_t kAhead = 8;  // prefetch distance: the inserts are cache misses too
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i + kAhead < ids.size()) map.prefetch(ids[i + kAhead].left, ids[i + kAhead].right);
    map.insert(ids[i].left, ids[i].right, {static_cast<uint32_t>(i), ids[i].merged});
  }
  return map;
}

}  // namespace cuddle::tok
