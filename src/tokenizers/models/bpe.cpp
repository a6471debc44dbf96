// Byte-pair encoding: split the word into chars (with continuing_subword_prefix /
// end_of_word_suffix, byte_fallback and unk handling), then apply merges lowest rank
// first, leftmost first on ties - HF's Word::merge_all. A cache keeps the merged result
// of frequent words (lock-free to read, so parallel batch encoding does not contend).
#include <queue>
#include <random>

#include "tokenizers/models/bpe_merges.h"
#include "tokenizers/models/model.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/models/word_cache.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

struct Symbol {
  uint32_t id;
  int prev, next;
  uint32_t len;  // bytes of the word it covers; 0 once merged away
};

class BPE : public Model {
 public:
  explicit BPE(const JsonRef& j);

  std::vector<Token> tokenize(std::string_view word) const override;
  void prefetch(std::string_view word) const override {
    if (!dropout_ && word.size() < kCacheMaxWord) cache_.prefetch(hash_bytes(word));
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override { return vocab_.id(t); }
  std::optional<std::string> id_to_token(uint32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  using Word = std::vector<uint32_t>;  // flat (id, byte length) pairs, as WordCache keeps them
  // Set in a piece's length (of a cacheable word, so < 256) when its token is the word's
  // bytes it covers (no prefix, suffix, byte fallback or unk): emitting it then reads the
  // word, already in cache, instead of the vocab's copy, a cache miss per token.
  static constexpr uint32_t kVerbatim = 0x80000000u;
  void mark_verbatim(std::string_view word, Word& w) const {
    size_t pos = 0;
    for (size_t k = 0; k < w.size(); k += 2) {
      if (vocab_.token_view(w[k]) == word.substr(pos, w[k + 1])) w[k + 1] |= kVerbatim;
      pos += w[k + 1] & ~kVerbatim;
    }
  }
  Word merge_word(std::string_view w) const;
  void merge_all(std::vector<Symbol>& symbols) const;
  const PairMap::Value* find_merge(uint32_t a, uint32_t b) const { return merges_.find(a, b); }
  std::optional<uint32_t> symbol_id(std::string_view s, char32_t c, bool plain) const {
    if (plain && c < char_ids_.size() && char_ids_[c] >= 0) return static_cast<uint32_t>(char_ids_[c]);
    return vocab_.id(s);
  }

  Vocab vocab_;
  PairMap merges_;
  std::vector<int32_t> char_ids_;  // id of each single-char token below U+10000, or -1
  std::optional<std::string> unk_token_, prefix_, suffix_;
  std::optional<float> dropout_;
  bool fuse_unk_, byte_fallback_, ignore_merges_;
  uint32_t byte_ids_[256];
  bool byte_ok_[256];

  static constexpr size_t kCacheWords = 131072;
  static constexpr size_t kCacheMaxWord = 256;
  mutable WordCache cache_{kCacheWords};
};

BPE::BPE(const JsonRef& j) : vocab_(j.at("vocab")) {
  if (auto v = j.get("unk_token")) unk_token_ = v->str();
  if (auto v = j.get("continuing_subword_prefix")) prefix_ = v->str();
  if (auto v = j.get("end_of_word_suffix")) suffix_ = v->str();
  // An empty prefix or suffix changes nothing; dropping it keeps words on the fast path.
  if (prefix_ && prefix_->empty()) prefix_.reset();
  if (suffix_ && suffix_->empty()) suffix_.reset();
  if (auto v = j.get("dropout")) {
    double d = v->number();
    if (d < 0.0 || d > 1.0) v->fail("dropout must be in [0, 1]");
    if (d > 0.0) dropout_ = static_cast<float>(d);
  }
  fuse_unk_ = j.boolean("fuse_unk", false);
  byte_fallback_ = j.boolean("byte_fallback", false);
  ignore_merges_ = j.boolean("ignore_merges", false);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto id = vocab_.id(name);
    byte_ok_[b] = id.has_value();
    byte_ids_[b] = id.value_or(0);
  }

  // Every single-char token below U+10000 (simdjson has validated the UTF-8 of the keys).
  char_ids_.assign(0x10000, -1);
  vocab_.for_each([&](std::string_view t, uint32_t id) {
    if (t.empty() || t.size() > 3) return;
    int len;
    char32_t c = decode_utf8(t, 0, &len);
    if (static_cast<size_t>(len) == t.size() && c < 0x10000) char_ids_[c] = static_cast<int32_t>(id);
  });
  merges_ = read_merges(j.at("merges"), vocab_, prefix_ ? prefix_->size() : 0);
}

BPE::Word BPE::merge_word(std::string_view w) const {
  std::vector<Symbol> symbols;
  symbols.reserve(w.size());
  auto add = [&](uint32_t id, uint32_t len) {
    int idx = static_cast<int>(symbols.size());
    symbols.push_back({id, idx - 1, idx + 1, len});
  };
  uint32_t unk = 0, unk_len = 0;  // a pending unk token (id, byte length) while unk_len > 0
  auto unk_id = [&]() -> uint32_t {
    auto id = vocab_.id(*unk_token_);
    if (!id) throw Error("BPE: unk_token \"" + *unk_token_ + "\" is not in the vocab");
    return *id;
  };
  std::string s;
  for (size_t i = 0; i < w.size();) {
    int len;
    char32_t c = decode_utf8(w, i, &len);
    bool first = i == 0, last = i + len >= w.size();
    bool plain = (first || !prefix_) && (!last || !suffix_);
    s.assign(w.substr(i, len));
    if (!plain) {
      if (!first && prefix_) s.insert(0, *prefix_);
      if (last && suffix_) s += *suffix_;
    }
    i += len;
    if (auto id = symbol_id(s, c, plain)) {
      if (unk_len) {
        add(unk, unk_len);
        unk_len = 0;
      }
      add(*id, len);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char c : s) all = all && byte_ok_[c];
      if (all) {
        for (unsigned char c : s) add(byte_ids_[c], 1);
        continue;
      }
    }
    if (unk_token_) {
      if (unk_len && fuse_unk_) {
        unk_len += len;
      } else {
        if (unk_len) add(unk, unk_len);
        unk = unk_id();
        unk_len = static_cast<uint32_t>(len);
      }
    }
  }
  if (unk_len) add(unk, unk_len);
  if (!symbols.empty()) symbols.back().next = -1;
  merge_all(symbols);
  Word out;
  for (const auto& sym : symbols)
    if (sym.len) out.insert(out.end(), {sym.id, sym.len});
  return out;
}

void BPE::merge_all(std::vector<Symbol>& symbols) const {
  struct Item {
    uint32_t rank;
    int pos;
    uint32_t new_id;
    bool operator<(const Item& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Item> queue;
  for (size_t i = 0; i + 1 < symbols.size(); ++i)
    if (auto m = find_merge(symbols[i].id, symbols[i + 1].id)) queue.push({m->rank, static_cast<int>(i), m->new_id});

  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::vector<Item> skipped;
  while (!queue.empty()) {
    Item top = queue.top();
    queue.pop();
    if (dropout_ && uni(rng) < *dropout_) {
      skipped.push_back(top);
      continue;
    }
    for (auto& it : skipped) queue.push(it);
    skipped.clear();
    Symbol& cur = symbols[top.pos];
    if (cur.len == 0 || cur.next == -1) continue;
    Symbol right = symbols[cur.next];
    auto m = find_merge(cur.id, right.id);
    if (!m || m->new_id != top.new_id) continue;  // stale entry
    cur.id = top.new_id;
    cur.len += right.len;
    int next_pos = cur.next;
    cur.next = right.next;
    symbols[next_pos].len = 0;
    if (right.next >= 0 && right.next < static_cast<int>(symbols.size())) symbols[right.next].prev = top.pos;
    if (cur.prev >= 0)
      if (auto pm = find_merge(symbols[cur.prev].id, cur.id)) queue.push({pm->rank, cur.prev, pm->new_id});
    if (cur.next >= 0 && cur.next < static_cast<int>(symbols.size()))
      if (auto nm = find_merge(cur.id, symbols[cur.next].id)) queue.push({nm->rank, top.pos, nm->new_id});
  }
}

std::vector<Token> BPE::tokenize(std::string_view word) const {
  std::vector<Token> out;
  if (word.empty()) return out;
  bool cacheable = !dropout_ && word.size() < kCacheMaxWord;  // and so marked by mark_verbatim
  auto emit = [&](const uint32_t* flat, size_t n) {  // flat (id, byte length) pairs
    out.reserve(n);
    size_t pos = 0;
    for (size_t k = 0; k < n; ++k) {
      uint32_t id = flat[2 * k], len = flat[2 * k + 1];
      bool verbatim = cacheable && (len & kVerbatim);
      if (cacheable) len &= ~kVerbatim;
      std::string_view token = verbatim ? word.substr(pos, len) : vocab_.token_view(id);
      out.push_back({id, std::string(token), {pos, pos + len}});
      pos += len;
    }
  };
  uint64_t hash = cacheable ? hash_bytes(word) : 0;
  if (cacheable && cache_.find(word, hash, emit)) return out;
  Word w;
  if (auto id = ignore_merges_ ? vocab_.id(word) : std::nullopt) w = {*id, static_cast<uint32_t>(word.size())};
  else w = merge_word(word);
  if (cacheable) mark_verbatim(word, w);
  emit(w.data(), w.size() / 2);
  if (cacheable) cache_.insert(word, hash, w);
  return out;
}

}  // namespace

std::unique_ptr<Model> make_bpe(const JsonRef& j) { return std::make_unique<BPE>(j); }

}  // namespace cuddle::tok
