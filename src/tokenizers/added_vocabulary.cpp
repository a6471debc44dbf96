#include "tokenizers/added_vocabulary.h"

#include <algorithm>

#include "tokenizers/unicode.h"

namespace cuddle::tok {

void PatternTrie::insert(std::string_view pattern, uint32_t id) {
  if (pattern.empty()) return;
  int node = 0;
  for (unsigned char c : pattern) {
    auto& kids = nodes_[node].kids;
    auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, -1));
    if (it != kids.end() && it->first == c) {
      node = it->second;
    } else {
      int next = static_cast<int>(nodes_.size());
      kids.insert(it, {c, next});
      nodes_.push_back(Node{});
      node = next;
    }
  }
  nodes_[node].value = id;
  first_byte_[static_cast<unsigned char>(pattern[0])] = true;
}

std::pair<size_t, uint32_t> PatternTrie::walk_from(std::string_view s, size_t pos) const {
  std::pair<size_t, uint32_t> best{0, 0};
  int node = 0;
  for (size_t i = pos; i < s.size(); ++i) {
    const auto& kids = nodes_[node].kids;
    unsigned char c = s[i];
    auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, -1));
    if (it == kids.end() || it->first != c) break;
    node = it->second;
    if (nodes_[node].value >= 0) best = {i + 1 - pos, static_cast<uint32_t>(nodes_[node].value)};
  }
  return best;
}

size_t AddedVocabulary::add_tokens(const std::vector<AddedTokenSpec>& tokens, const Model& model,
                                   const Normalizer* normalizer) {
  uint32_t vocab = static_cast<uint32_t>(model.vocab_size());
  uint32_t next_id = vocab;
  if (!by_id_.empty()) {
    uint32_t max = by_id_.rbegin()->first;
    next_id = (max >= vocab || vocab == 0) ? max + 1 : vocab;
  }
  size_t added = 0;
  for (const auto& t : tokens) {
    if (t.content.empty()) continue;
    if (by_content_.count(t.content)) continue;  // HF compares added tokens by content
    uint32_t id;
    if (auto m = model.token_to_id(t.content)) id = *m;
    else id = next_id++;
    if (t.normalized && normalizer) {
      NormalizedString n(t.content);
      normalizer->normalize(n);
      if (n.get() != t.content) normalized_cache_[id] = n.get();
    }
    by_content_[t.content] = id;
    if (t.special) special_.insert(t.content);
    by_id_[id] = t;
    ++added;
  }
  refresh();
  return added;
}

void AddedVocabulary::refresh() {
  raw_trie_ = PatternTrie();
  normalized_trie_ = PatternTrie();
  for (const auto& [id, t] : by_id_) {
    if (t.normalized) {
      auto it = normalized_cache_.find(id);
      normalized_trie_.insert(it != normalized_cache_.end() ? it->second : t.content, id);
    } else {
      raw_trie_.insert(t.content, id);
    }
  }
}

std::optional<uint32_t> AddedVocabulary::token_to_id(std::string_view token) const {
  auto it = by_content_.find(std::string(token));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> AddedVocabulary::id_to_token(uint32_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  auto n = normalized_cache_.find(id);
  return n != normalized_cache_.end() ? n->second : it->second.content;
}

// `\w` at the end of `before` / at the start of `after` (Unicode word chars).
static bool ends_with_word(std::string_view before) {
  if (before.empty()) return false;
  size_t b = before.size() - 1;
  while (b > 0 && (static_cast<unsigned char>(before[b]) & 0xC0) == 0x80) --b;
  int len;
  return is_word_char(decode_utf8(before, b, &len));
}
static bool starts_with_word(std::string_view after) {
  if (after.empty()) return false;
  int len;
  return is_word_char(decode_utf8(after, 0, &len));
}

std::vector<Split> AddedVocabulary::split_with(NormalizedString n, const PatternTrie& trie) const {
  const std::string& s = n.get();
  struct Piece {
    size_t start, stop;
    std::optional<uint32_t> id;
  };
  std::vector<Piece> pieces;
  if (s.empty()) {
    pieces.push_back({0, 0, std::nullopt});
  } else if (trie.empty()) {
    pieces.push_back({0, s.size(), std::nullopt});
  } else {
    size_t start_offset = 0;
    for (size_t pos = 0; pos < s.size();) {
      auto [len, id] = trie.longest_at(s, pos);
      if (len == 0) {
        ++pos;
        continue;
      }
      size_t start = pos, stop = pos + len;
      pos = stop;
      const AddedTokenSpec& t = by_id_.at(id);
      if (t.single_word) {
        bool start_space = start == 0 || !ends_with_word(std::string_view(s).substr(0, start));
        bool stop_space = stop == s.size() || !starts_with_word(std::string_view(s).substr(stop));
        if (!start_space || !stop_space) continue;
      }
      if (t.lstrip) {
        size_t b = start;
        while (b > 0) {
          size_t c = b - 1;
          while (c > 0 && (static_cast<unsigned char>(s[c]) & 0xC0) == 0x80) --c;
          int l;
          if (!is_whitespace(decode_utf8(s, c, &l))) break;
          b = c;
        }
        start = std::max(b, start_offset);
      }
      if (t.rstrip) {
        while (stop < s.size()) {
          int l;
          if (!is_whitespace(decode_utf8(s, stop, &l))) break;
          stop += l;
        }
      }
      if (start_offset < start) pieces.push_back({start_offset, start, std::nullopt});
      pieces.push_back({start, stop, id});
      start_offset = stop;
      pos = std::max(pos, stop);
    }
    if (start_offset != s.size()) pieces.push_back({start_offset, s.size(), std::nullopt});
  }
  std::vector<Split> out;
  if (pieces.size() == 1 && !pieces[0].id && n.slice_is_whole(pieces[0].start, pieces[0].stop)) {
    out.push_back({std::move(n), std::nullopt});
    return out;
  }
  out.reserve(pieces.size());
  for (const auto& p : pieces) {
    NormalizedString slice = n.slice(p.start, p.stop);
    if (p.id) {
      std::string value = slice.get();
      size_t len = value.size();
      out.push_back({std::move(slice), std::vector<Token>{{*p.id, std::move(value), {0, len}}}});
    } else {
      out.push_back({std::move(slice), std::nullopt});
    }
  }
  return out;
}

PreTokenizedString AddedVocabulary::extract_and_normalize(const Normalizer* normalizer, const std::string& text) const {
  PreTokenizedString pts{NormalizedString(text)};
  pts.split([&](size_t, NormalizedString n) { return split_with(std::move(n), raw_trie_); });
  pts.split([&](size_t, NormalizedString n) {
    if (normalizer) normalizer->normalize(n);
    return split_with(std::move(n), normalized_trie_);
  });
  return pts;
}

}  // namespace cuddle::tok
