// The input as a list of splits, each a NormalizedString with its tokens once the model
// (or the added vocabulary) has produced them. Mirrors HF's PreTokenizedString.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizers/normalized_string.h"

namespace cuddle::tok {

struct Token {
  uint32_t id;
  std::string value;
  Offsets offsets;  // bytes, relative to the split's normalized string
};

struct Split {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;
};

class PreTokenizedString {
 public:
  explicit PreTokenizedString(NormalizedString n) : original_(n.original()) {
    splits_.push_back({std::move(n), std::nullopt});
  }
  // Replaces each untokenized split by what fn(index, split) returns, dropping empty ones.
  template <class Fn> void split(Fn fn);
  // Applies fn to the normalized string of each untokenized split.
  template <class Fn> void normalize(Fn fn) {
    for (auto& s : splits_)
      if (!s.tokens) fn(s.normalized);
  }
  std::vector<Split>& splits() { return splits_; }
  const std::vector<Split>& splits() const { return splits_; }
  const std::string& original() const { return original_; }

 private:
  std::string original_;
  std::vector<Split> splits_;
};

template <class Fn>
void PreTokenizedString::split(Fn fn) {
  auto empty = [](const Split& p) { return p.normalized.empty(); };
  if (splits_.size() == 1 && !splits_[0].tokens) {  // the usual case: take fn's pieces as they are
    std::vector<Split> pieces = fn(0, std::move(splits_[0].normalized));
    pieces.erase(std::remove_if(pieces.begin(), pieces.end(), empty), pieces.end());
    splits_ = std::move(pieces);
    return;
  }
  std::vector<Split> out;
  out.reserve(splits_.size() * 2);
  for (size_t i = 0; i < splits_.size(); ++i) {
    auto& s = splits_[i];
    if (s.tokens) {
      out.push_back(std::move(s));
      continue;
    }
    std::vector<Split> pieces = fn(i, std::move(s.normalized));
    for (auto& p : pieces)
      if (!empty(p)) out.push_back(std::move(p));
  }
  splits_ = std::move(out);
}

// Wraps plain NormalizedStrings as untokenized splits.
inline std::vector<Split> as_splits(std::vector<NormalizedString> v) {
  std::vector<Split> out;
  out.reserve(v.size());
  for (auto& n : v) out.push_back({std::move(n), std::nullopt});
  return out;
}

}  // namespace cuddle::tok
