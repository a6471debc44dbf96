#include "tokenizers/normalized_string.h"

#include "tokenizers/unicode.h"

#include <utf8proc.h>

#include <algorithm>

namespace cuddle::tok {

NormalizedString::NormalizedString(std::string original) : original_(std::move(original)), normalized_(original_) {}

NormalizedString::Align NormalizedString::align_at(size_t i) const {
  if (!positional_) return align_[i];
  size_t start = i;
  while (start > 0 && (static_cast<unsigned char>(normalized_[start]) & 0xC0) == 0x80) --start;
  int len;
  decode_utf8(normalized_, start, &len);
  return {static_cast<uint32_t>(start), static_cast<uint32_t>(start + len)};
}

void NormalizedString::append_positional(size_t end, std::vector<Align>& out) const {
  for (size_t i = 0; i < end;) {
    int len;
    decode_utf8(normalized_, i, &len);
    out.insert(out.end(), static_cast<size_t>(len), {static_cast<uint32_t>(i), static_cast<uint32_t>(i + len)});
    i += len;
  }
}

void NormalizedString::materialize() {
  if (!positional_) return;
  align_.clear();
  align_.reserve(normalized_.size());
  append_positional(normalized_.size(), align_);
  positional_ = false;
}

bool NormalizedString::convert_to_original(size_t start, size_t end, Offsets* out) const {
  if (start == end) {  // HF returns an empty target range unchanged
    *out = {start, end};
    return true;
  }
  if (start > end) return false;
  if (normalized_.empty() && start == 0 && end == 0) {
    *out = {0, original_.size()};
    return true;
  }
  if (end > normalized_.size()) return false;
  auto char_start = [&](size_t i) { return i == normalized_.size() || (static_cast<unsigned char>(normalized_[i]) & 0xC0) != 0x80; };
  if (positional_ && char_start(start) && char_start(end)) {
    *out = {start, end};
    return true;
  }
  *out = {align_at(start).first, align_at(end - 1).second};
  return true;
}

void NormalizedString::transform_range(size_t n_start, size_t n_end, const std::vector<CharChange>& dest,
                                       size_t initial_offset) {
  materialize();
  // The chars being replaced, to follow how far each new char moves through the old text.
  std::vector<int> old_lens;
  for (size_t i = n_start; i < n_end;) {
    int len;
    decode_utf8(normalized_, i, &len);
    old_lens.push_back(len);
    i += len;
  }
  size_t next_old = 0;
  size_t offset = n_start;
  for (; next_old < initial_offset && next_old < old_lens.size(); ++next_old) offset += old_lens[next_old];

  std::string repl;
  std::vector<std::pair<uint32_t, uint32_t>> new_align;
  repl.reserve(n_end - n_start);
  new_align.reserve(n_end - n_start);
  for (const auto& [c, change] : dest) {
    std::pair<uint32_t, uint32_t> a;
    if (change > 0) {
      a = offset < 1 ? std::pair<uint32_t, uint32_t>{0, 0} : align_[offset - 1];
    } else {
      a = offset < align_.size() ? align_[offset] : (align_.empty() ? std::pair<uint32_t, uint32_t>{0, 0} : align_.back());
      if (next_old < old_lens.size()) offset += old_lens[next_old++];
      for (int k = 0; k < -change && next_old < old_lens.size(); ++k) offset += old_lens[next_old++];
    }
    size_t before = repl.size();
    append_utf8(repl, c);
    new_align.insert(new_align.end(), repl.size() - before, a);
  }
  normalized_.replace(n_start, n_end - n_start, repl);
  align_.erase(align_.begin() + n_start, align_.begin() + n_end);
  align_.insert(align_.begin() + n_start, new_align.begin(), new_align.end());
}

void NormalizedString::prepend(const std::string& s) {
  if (normalized_.empty()) return;
  int len;
  char32_t first = decode_utf8(normalized_, 0, &len);
  std::vector<CharChange> dest;
  bool is_first = true;
  for (char32_t c : to_chars(s)) {
    dest.push_back({c, is_first ? 0 : 1});
    is_first = false;
  }
  dest.push_back({first, 1});
  transform_range(0, len, dest, 0);
}

void NormalizedString::append(const std::string& s) {
  if (normalized_.empty()) {
    std::vector<CharChange> dest;
    for (char32_t c : to_chars(s)) dest.push_back({c, 1});
    transform_range(0, 0, dest, 0);
    return;
  }
  size_t b = normalized_.size() - 1;
  while (b > 0 && (static_cast<unsigned char>(normalized_[b]) & 0xC0) == 0x80) --b;
  int len;
  char32_t last = decode_utf8(normalized_, b, &len);
  std::vector<CharChange> dest{{last, 0}};
  for (char32_t c : to_chars(s)) dest.push_back({c, 1});
  transform_range(b, normalized_.size(), dest, 0);
}

void NormalizedString::lowercase() {
  rewrite([](char32_t c, CharBuf& out) {
    char32_t lower[2];
    for (int k = 0, n = to_lowercase(c, lower); k < n; ++k) out.push(lower[k]);
    return true;
  });
}

// Unicode normalization as a transformation, tagged the way HF's
// unicode-normalization-alignments crate tags it: decomposition keeps the first char (0)
// and inserts the rest (1); canonical reordering moves chars with their tags; composing a
// char into the preceding starter removes it (the starter's tag drops by one, unless the
// absorbed char was itself inserted by the decomposition).
static char32_t compose_pair(char32_t a, char32_t b) {
  utf8proc_int32_t buf[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  utf8proc_ssize_t n = utf8proc_normalize_utf32(buf, 2, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  return n == 1 ? static_cast<char32_t>(buf[0]) : 0;
}

void NormalizedString::nf(int form_int) {
  auto form = static_cast<NormalForm>(form_int);
  bool ascii = true;
  for (unsigned char ch : normalized_) ascii = ascii && ch < 0x80;
  if (ascii) return;  // ASCII is invariant under every normal form
  std::vector<char32_t> chars = to_chars(normalized_);
  if (normalize(chars, form) == chars) return;

  bool compat = form == NormalForm::NFKC || form == NormalForm::NFKD;
  bool compose = form == NormalForm::NFC || form == NormalForm::NFKC;
  std::vector<CharChange> d;
  d.reserve(chars.size() + 8);
  for (char32_t c : chars) {
    std::vector<char32_t> one{c};
    auto dec = normalize(one, compat ? NormalForm::NFKD : NormalForm::NFD);
    for (size_t k = 0; k < dec.size(); ++k) d.push_back({dec[k], k > 0 ? 1 : 0});
  }
  // Canonical ordering: stable sort of each run of non-starters by combining class.
  for (size_t i = 0; i < d.size();) {
    if (combining_class(d[i].c) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && combining_class(d[j].c) != 0) ++j;
    std::stable_sort(d.begin() + i, d.begin() + j, [](const CharChange& a, const CharChange& b) { return combining_class(a.c) < combining_class(b.c); });
    i = j;
  }
  if (compose && !d.empty()) {
    std::vector<CharChange> out;
    out.reserve(d.size());
    long starter = combining_class(d[0].c) == 0 ? 0 : -1;
    int last_class = combining_class(d[0].c) == 0 ? 0 : 256;
    out.push_back(d[0]);
    for (size_t i = 1; i < d.size(); ++i) {
      int cc = combining_class(d[i].c);
      if (starter >= 0 && (last_class < cc || last_class == 0)) {
        if (char32_t comp = compose_pair(out[starter].c, d[i].c)) {
          out[starter].c = comp;
          out[starter].change += d[i].change - 1;
          continue;
        }
      }
      if (cc == 0) starter = static_cast<long>(out.size());
      last_class = cc;
      out.push_back(d[i]);
    }
    d = std::move(out);
  }
  transform(d, 0);
}

void NormalizedString::replace(const Matches& matches, const std::string& content) {
  if (std::none_of(matches.begin(), matches.end(), [](const PatternMatch& m) { return m.is_match; })) return;
  materialize();
  std::string new_norm;
  std::vector<std::pair<uint32_t, uint32_t>> new_align;
  new_norm.reserve(normalized_.size());
  new_align.reserve(align_.size());
  size_t last_end = 0;
  for (const auto& m : matches) {
    if (!m.is_match) continue;
    new_norm.append(normalized_, last_end, m.start - last_end);
    new_align.insert(new_align.end(), align_.begin() + last_end, align_.begin() + m.start);
    // Inserted chars share the alignment of the byte before the end of the match.
    size_t idx = m.end;
    auto a = idx < 1 ? std::pair<uint32_t, uint32_t>{0, 0} : align_[idx - 1];
    new_norm += content;
    new_align.insert(new_align.end(), content.size(), a);
    last_end = m.end;
  }
  new_norm.append(normalized_, last_end, std::string::npos);
  new_align.insert(new_align.end(), align_.begin() + last_end, align_.end());
  normalized_ = std::move(new_norm);
  align_ = std::move(new_align);
}

void NormalizedString::strip(bool left, bool right) {
  std::vector<char32_t> chars = to_chars(normalized_);
  size_t lead = 0, trail = 0;
  if (left)
    while (lead < chars.size() && is_whitespace(chars[lead])) ++lead;
  if (right)
    while (trail < chars.size() - lead && is_whitespace(chars[chars.size() - 1 - trail])) ++trail;
  if (lead == 0 && trail == 0) return;
  std::vector<CharChange> dest;
  // HF compares the char index with the byte length here; we keep that behaviour.
  for (size_t i = 0; i < chars.size(); ++i) {
    if (i < lead || i >= chars.size() - trail) continue;
    if (i == normalized_.size() - trail - 1) dest.push_back({chars[i], -static_cast<int>(trail)});
    else dest.push_back({chars[i], 0});
  }
  transform(dest, lead);
}

NormalizedString NormalizedString::slice(size_t n_start, size_t n_end) const {
  Offsets orig;
  if (!convert_to_original(n_start, n_end, &orig)) orig = {n_start, n_start};
  NormalizedString out;
  size_t o_start = std::min(orig.first, original_.size());
  size_t o_end = std::max(o_start, std::min(orig.second, original_.size()));
  out.original_ = original_.substr(o_start, o_end - o_start);
  out.normalized_ = normalized_.substr(n_start, n_end - n_start);
  out.shift_ = shift_ + orig.first;
  if (positional_) return out;
  // A piece whose every char maps to an original char of the same length at the same
  // place is positional again (typically each word of a normalized sentence).
  auto base = static_cast<uint32_t>(orig.first);
  bool positional = o_end - o_start == n_end - n_start;
  for (size_t i = n_start; positional && i < n_end;) {
    int len;
    decode_utf8(normalized_, i, &len);
    Align own{static_cast<uint32_t>(i - n_start) + base, static_cast<uint32_t>(i - n_start + len) + base};
    for (int k = 0; k < len && positional; ++k) positional = i + k < n_end && align_[i + k] == own;
    i += len;
  }
  out.positional_ = positional;
  if (positional) return out;
  out.align_.reserve(n_end - n_start);
  for (size_t i = n_start; i < n_end; ++i) out.align_.push_back({align_[i].first - base, align_[i].second - base});
  return out;
}

bool NormalizedString::slice_is_whole(size_t n_start, size_t n_end) const {
  Offsets orig;
  return n_start == 0 && n_end == normalized_.size() && !normalized_.empty() && convert_to_original(n_start, n_end, &orig) &&
         orig == Offsets{0, original_.size()};
}

std::vector<NormalizedString> NormalizedString::split(const Matches& matches, SplitBehavior behavior) const {
  struct Piece { size_t s, e; bool remove; };
  std::vector<Piece> pieces;
  pieces.reserve(matches.size());
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (auto& m : matches) pieces.push_back({m.start, m.end, false});
      break;
    case SplitBehavior::Removed:
      for (auto& m : matches) pieces.push_back({m.start, m.end, m.is_match});
      break;
    case SplitBehavior::Contiguous: {
      bool prev = false;
      for (auto& m : matches) {
        if (m.is_match == prev && !pieces.empty()) pieces.back().e = m.end;
        else pieces.push_back({m.start, m.end, false});
        prev = m.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithPrevious: {
      bool prev = false;
      for (auto& m : matches) {
        if (m.is_match && !prev && !pieces.empty()) pieces.back().e = m.end;
        else pieces.push_back({m.start, m.end, false});
        prev = m.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool prev = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !prev && !pieces.empty()) pieces.back().s = it->start;
        else pieces.push_back({it->start, it->end, false});
        prev = it->is_match;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
    }
  }
  std::vector<NormalizedString> out;
  out.reserve(pieces.size());
  for (auto& p : pieces)
    if (!p.remove) out.push_back(slice(p.s, p.e));
  return out;
}

}  // namespace cuddle::tok
