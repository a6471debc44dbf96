// token-classification over a text cut into overlapping windows (the `stride` option): each
// window yields its own entities, so text inside an overlap is labelled once per window.
// transformers keeps one entity per overlap (aggregate_overlapping_entities); this is that rule.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace cuddle::pipelines {

// One entity of token-classification's result: a token ("B-PER") or, aggregated, a group
// ("PER"); start / end are character offsets into the whole text, index the token's position
// in its window (only reported without aggregation).
struct TokenEntity {
  std::string label;
  float score = 0.0f;
  std::string word;
  size_t start = 0, end = 0, index = 0;
};

// Entities ordered by start (ties keep their window order). Going through them, the entity
// kept so far meets every entity that starts inside its [start, end): the longer one stays,
// and on equal lengths the newcomer only with a strictly higher score. An entity starting at
// or after the kept one's end is the next one kept.
std::vector<TokenEntity> resolve_overlapping_entities(std::vector<TokenEntity> entities);

}  // namespace cuddle::pipelines
