// Helpers for reading an encoding against its text: which sequence each token came from,
// and the text sliced in characters as the offsets count them (tokenizer.h).
#include <algorithm>

#include "cuddle/tokenizer.h"

namespace cuddle {

std::vector<int> sequence_ids(const std::vector<uint32_t>& special_tokens_mask) {
  std::vector<int> out(special_tokens_mask.size(), -1);
  int seq = 0;
  bool seen_first = false;
  for (size_t t = 0; t < special_tokens_mask.size(); ++t) {
    if (special_tokens_mask[t]) {
      if (seen_first) seq = 1;
      continue;
    }
    out[t] = seq;
    seen_first = true;
  }
  return out;
}

CharIndex::CharIndex(const std::string& text) : text_(text) {
  for (size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts_.push_back(i);
  starts_.push_back(text.size());
}

std::string CharIndex::slice(size_t begin, size_t end) const {
  end = std::min(end, size());
  if (begin >= end) return {};
  return text_.substr(starts_[begin], starts_[end] - starts_[begin]);
}

size_t char_length(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace cuddle
