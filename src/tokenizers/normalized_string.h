// A string being normalized, with the alignment of every normalized byte to the original
// byte range it came from, so token offsets can always be mapped back to the input. Same
// model as HF tokenizers' NormalizedString (alignments per normalized byte).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/pattern.h"

namespace cuddle::tok {

using Offsets = std::pair<size_t, size_t>;

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

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

 private:
  std::string original_;
  std::string normalized_;
  std::vector<std::pair<uint32_t, uint32_t>> align_;  // per normalized byte
  size_t shift_ = 0;
};

template <class Keep>
void NormalizedString::filter(Keep keep) {
  std::vector<CharChange> out;
  out.reserve(normalized_.size());
  int removed = 0;
  size_t removed_start = 0;
  bool have_last = false;
  char32_t last = 0;
  for (size_t i = 0; i < normalized_.size();) {
    int len;
    char32_t c = decode_utf8(normalized_, i, &len);
    i += len;
    if (keep(c)) {
      if (have_last) out.push_back({last, -removed});
      else removed_start = removed;
      last = c;
      have_last = true;
      removed = 0;
    } else {
      ++removed;
    }
  }
  if (have_last) out.push_back({last, -removed});
  else removed_start = removed;  // everything removed
  transform(out, removed_start);
}

template <class Map>
void NormalizedString::map(Map f) {
  std::vector<CharChange> out;
  out.reserve(normalized_.size());
  for (size_t i = 0; i < normalized_.size();) {
    int len;
    char32_t c = decode_utf8(normalized_, i, &len);
    i += len;
    out.push_back({f(c), 0});
  }
  transform(out, 0);
}

}  // namespace cuddle::tok
