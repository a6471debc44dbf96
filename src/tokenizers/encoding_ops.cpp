#include "tokenizers/encoding_ops.h"

#include <algorithm>

namespace cuddle::tok {

template <class T>
static void append(std::vector<T>& a, std::vector<T>& b) {
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
}

void merge_into(Encoding& self, Encoding pair) {
  std::vector<Encoding> overflowings;
  for (const auto& so : self.overflowing) {
    Encoding n = so;
    merge_into(n, pair);
    overflowings.push_back(std::move(n));
    for (const auto& po : pair.overflowing) {
      Encoding m = so;
      merge_into(m, po);
      overflowings.push_back(std::move(m));
    }
  }
  for (const auto& po : pair.overflowing) {
    Encoding n = self;
    n.overflowing.clear();
    merge_into(n, po);
    overflowings.push_back(std::move(n));
  }
  append(self.ids, pair.ids);
  append(self.type_ids, pair.type_ids);
  append(self.tokens, pair.tokens);
  append(self.word_ids, pair.word_ids);
  append(self.offsets, pair.offsets);
  append(self.special_tokens_mask, pair.special_tokens_mask);
  append(self.attention_mask, pair.attention_mask);
  self.overflowing = std::move(overflowings);
}

Encoding merge_all(std::vector<Encoding> encodings) {
  if (encodings.empty()) return {};
  // Merging into an empty Encoding gives the other one back, so the first is the start.
  Encoding out = std::move(encodings[0]);
  for (size_t i = 1; i < encodings.size(); ++i) merge_into(out, std::move(encodings[i]));
  return out;
}

static Encoding slice(const Encoding& e, size_t start, size_t stop) {
  Encoding o;
  auto cut = [&](auto& dst, const auto& src) { dst.assign(src.begin() + start, src.begin() + stop); };
  cut(o.ids, e.ids);
  cut(o.type_ids, e.type_ids);
  cut(o.tokens, e.tokens);
  cut(o.word_ids, e.word_ids);
  cut(o.offsets, e.offsets);
  cut(o.special_tokens_mask, e.special_tokens_mask);
  cut(o.attention_mask, e.attention_mask);
  return o;
}

void truncate_encoding(Encoding& e, size_t max_len, size_t stride, Side direction) {
  size_t n = e.ids.size();
  if (max_len >= n) return;
  if (max_len == 0) {
    Encoding whole = std::move(e);
    e = Encoding{};
    e.overflowing.push_back(std::move(whole));
    return;
  }
  if (stride >= max_len)
    throw ShapeError("truncation: stride " + std::to_string(stride) + " must be less than the length " +
                     std::to_string(max_len) + " left after special tokens");
  size_t step = max_len - stride;
  std::vector<std::pair<size_t, size_t>> parts;
  if (direction == Side::Right) {
    for (size_t start = 0; start < n; start += step) {
      size_t stop = std::min(start + max_len, n);
      parts.emplace_back(start, stop);
      if (stop == n) break;
    }
  } else {
    for (size_t i = 0; i < n; i += step) {
      size_t stop = n - i;
      size_t start = stop > max_len ? stop - max_len : 0;
      parts.emplace_back(start, stop);
      if (start == 0) break;
    }
  }
  Encoding first = slice(e, parts[0].first, parts[0].second);
  for (size_t i = 1; i < parts.size(); ++i) first.overflowing.push_back(slice(e, parts[i].first, parts[i].second));
  e = std::move(first);
}

void truncate_encodings(Encoding& a, Encoding* b, const TruncationParams& p) {
  if (p.max_length == 0) {
    truncate_encoding(a, 0, p.stride, p.direction);
    if (b) truncate_encoding(*b, 0, p.stride, p.direction);
    return;
  }
  size_t total = a.size() + (b ? b->size() : 0);
  if (total <= p.max_length) return;
  size_t to_remove = total - p.max_length;
  switch (p.strategy) {
    case TruncationStrategy::LongestFirst:
      if (b) {
        size_t n1 = a.size(), n2 = b->size();
        bool swap = n1 > n2;
        if (swap) std::swap(n1, n2);
        if (n1 > p.max_length) n2 = n1;
        else n2 = std::max(n1, p.max_length - n1);
        if (n1 + n2 > p.max_length) {
          n1 = p.max_length / 2;
          n2 = n1 + p.max_length % 2;
        }
        if (swap) std::swap(n1, n2);
        truncate_encoding(a, n1, p.stride, p.direction);
        truncate_encoding(*b, n2, p.stride, p.direction);
      } else {
        truncate_encoding(a, total - to_remove, p.stride, p.direction);
      }
      break;
    case TruncationStrategy::OnlyFirst:
    case TruncationStrategy::OnlySecond: {
      Encoding* target = p.strategy == TruncationStrategy::OnlyFirst ? &a : b;
      if (!target) throw ShapeError("truncation only_second needs a pair of sequences");
      if (target->size() <= to_remove)
        throw ShapeError("truncation: the sequence to truncate is too short to remove " + std::to_string(to_remove) + " tokens");
      truncate_encoding(*target, target->size() - to_remove, p.stride, p.direction);
      break;
    }
  }
}

void pad_encoding(Encoding& e, size_t target, const PaddingParams& p) {
  for (auto& o : e.overflowing) pad_encoding(o, target, p);
  if (e.ids.size() >= target) return;
  size_t k = target - e.ids.size();
  auto pad = [&](auto& v, auto value) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    if (p.direction == Side::Right) v.insert(v.end(), k, T(value));
    else v.insert(v.begin(), k, T(value));
  };
  pad(e.ids, p.pad_id);
  pad(e.type_ids, p.pad_type_id);
  pad(e.tokens, p.pad_token);
  pad(e.word_ids, std::optional<uint32_t>{});
  pad(e.attention_mask, 0u);
  pad(e.special_tokens_mask, 1u);
  pad(e.offsets, std::pair<size_t, size_t>{0, 0});
}

}  // namespace cuddle::tok
