#include "pipelines/overlapping_entities.h"

#include <algorithm>

namespace cuddle::pipelines {

std::vector<TokenEntity> resolve_overlapping_entities(std::vector<TokenEntity> entities) {
  if (entities.empty()) return entities;
  std::stable_sort(entities.begin(), entities.end(),
                   [](const TokenEntity& a, const TokenEntity& b) { return a.start < b.start; });
  std::vector<TokenEntity> kept;
  // The walk starts with the first entity meeting itself, as transformers' loop does.
  TokenEntity current = entities.front();
  for (const auto& e : entities) {
    if (current.start <= e.start && e.start < current.end) {
      size_t length = e.end - e.start, current_length = current.end - current.start;
      if (length > current_length || (length == current_length && e.score > current.score)) current = e;
    } else {
      kept.push_back(std::move(current));
      current = e;
    }
  }
  kept.push_back(std::move(current));
  return kept;
}

}  // namespace cuddle::pipelines
