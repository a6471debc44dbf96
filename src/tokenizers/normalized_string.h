// A string being normalized, with the alignment of every normalized byte to the original
// byte range it came from, so token offsets can always be mapped back to the input. Same
// model as HF tokenizers' NormalizedString (alignments per normalized byte).
//
// Most pieces are "positional": normalized and original text have the same char byte
// layout (fresh input, ASCII lowercasing, most words after splitting), so each byte's
// alignment is just its own char's range. Those keep no alignment array at all, which
// makes slicing a sentence into words allocation-free for short words; the array is
// built only when a transformation changes the layout.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/pattern.h"

namespace cuddle::tok {

using Offsets = std::pair<size_t, size_t>;

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// The chars one char is replaced by in NormalizedString::rewrite (a canonical
// decomposition is at most 4 chars, a compatibility one 18).
struct CharBuf {
  char32_t c[32];
  int n = 0;
  void push(char32_t x) {
    if (n < 32) c[n++] = x;
  }
};

// One new char of a transformation and how it relates to the chars it replaces:
// 1 = inserted, 0 = replaces one char, -N = replaces one char and removes N following.
struct CharChange {
  char32_t c;
  int change;
};

class NormalizedString {
 public:
  NormalizedString() = default;
  explicit NormalizedString(std::string original);

  const std::string& get() const { return normalized_; }
  const std::string& original() const { return original_; }
  size_t len() const { return normalized_.size(); }
  bool empty() const { return normalized_.empty(); }
  // Byte range of this piece in the whole original input.
  Offsets offsets_original() const { return {shift_, shift_ + original_.size()}; }
  // Normalized byte range -> original byte range (relative to this piece); false if none.
  bool convert_to_original(size_t start, size_t end, Offsets* out) const;

  // Replaces the normalized text in [n_start, n_end) with `dest` (see CharChange).
  void transform_range(size_t n_start, size_t n_end, const std::vector<CharChange>& dest, size_t initial_offset);
  void transform(const std::vector<CharChange>& dest, size_t initial_offset) {
    transform_range(0, normalized_.size(), dest, initial_offset);
  }

  // Replaces every char c by the chars that f(c, out) pushes to `out` (none removes
  // it); the first new char takes c's alignment and the others are insertions after it,
  // which is what transform() gives for per-char maps, filters and expansions, in one
  // pass. If f returns false the string is left unchanged and rewrite returns false.
  template <class F> bool rewrite(F f);

  void prepend(const std::string& s);
  void append(const std::string& s);
  void lowercase();
  template <class Keep> void filter(Keep keep);
  template <class Map> void map(Map f);
  void nf(int form);  // NormalForm as int to keep unicode.h out of this header's users
  // Replaces every match with `content`; matches come from a find_matches_* function.
  void replace(const Matches& matches, const std::string& content);
  void strip(bool left, bool right);
  std::vector<NormalizedString> split(const Matches& matches, SplitBehavior behavior) const;
  // Sub-piece for a normalized byte range on char boundaries.
  NormalizedString slice(size_t n_start, size_t n_end) const;
  // Whether slice(n_start, n_end) would equal this whole string, so a caller that owns
  // it can move it instead.
  bool slice_is_whole(size_t n_start, size_t n_end) const;

 private:
  using Align = std::pair<uint32_t, uint32_t>;
  // Alignment of normalized byte i, whether stored or positional.
  Align align_at(size_t i) const;
  // Appends the positional alignments of normalized_[0, end) to `out`.
  void append_positional(size_t end, std::vector<Align>& out) const;
  // Stores the alignments of a positional string before its layout changes.
  void materialize();

  std::string original_;
  std::string normalized_;
  std::vector<Align> align_;  // per normalized byte; empty while positional_
  bool positional_ = true;
  size_t shift_ = 0;
};

template <class F>
bool NormalizedString::rewrite(F f) {
  std::string out;
  out.reserve(normalized_.size());
  std::vector<Align> out_align;  // filled from the first char that changes the layout
  bool positional = positional_;
  CharBuf buf;
  for (size_t i = 0; i < normalized_.size();) {
    int len = 1;
    unsigned char b = static_cast<unsigned char>(normalized_[i]);
    char32_t c = b < 0x80 ? b : decode_utf8(normalized_, i, &len);
    buf.n = 0;
    if (!f(c, buf)) return false;
    if (positional) {
      if (buf.n == 1 && utf8_len(buf.c[0]) == len) {
        if (buf.c[0] < 0x80) out += static_cast<char>(buf.c[0]);  // no call for ASCII
        else append_utf8(out, buf.c[0]);
        i += len;
        continue;
      }
      append_positional(i, out_align);  // out so far has the layout of normalized_[0, i)
      positional = false;
    }
    Align first = align_at(i), last = align_at(i + len - 1);
    for (int k = 0; k < buf.n; ++k) {
      size_t before = out.size();
      append_utf8(out, buf.c[k]);
      out_align.insert(out_align.end(), out.size() - before, k == 0 ? first : last);
    }
    i += len;
  }
  normalized_ = std::move(out);
  align_ = std::move(out_align);
  positional_ = positional;
  return true;
}

template <class Keep>
void NormalizedString::filter(Keep keep) {
  rewrite([&](char32_t c, CharBuf& out) {
    if (keep(c)) out.push(c);
    return true;
  });
}

template <class Map>
void NormalizedString::map(Map f) {
  rewrite([&](char32_t c, CharBuf& out) {
    out.push(f(c));
    return true;
  });
}

}  // namespace cuddle::tok
