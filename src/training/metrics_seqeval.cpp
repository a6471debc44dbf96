// Entity-level NER scores as seqeval computes them for evaluate's "seqeval": entities are
// (type, start, end) spans, a predicted entity counts only when type and both boundaries
// match a true one. Default mode chunks like conlleval (an I- after O or after another type
// opens an entity, so IOB1 and IOB2 read alike); strict mode keeps only the entities that
// are well formed in the chosen scheme.
#include <set>
#include <tuple>

#include "cuddle/metrics.h"

namespace cuddle::metrics {
namespace {

// (sentence, start, end, type); in default mode everything is one flattened sequence.
using Entity = std::tuple<size_t, size_t, size_t, std::string>;

struct Tag {
  char prefix;       // O B I E S
  std::string type;  // "_" when the tag has none, as seqeval names it
};

Tag parse_tag(const std::string& tag) {
  if (tag == "O" || tag == "B" || tag == "I" || tag == "E" || tag == "S") return {tag[0], "_"};
  if (tag.size() < 3 || tag[1] != '-' || std::string("BIES").find(tag[0]) == std::string::npos)
    throw Error("seqeval: tag '" + tag + "' is not O or B-/I-/E-/S- followed by an entity type");
  return {tag[0], tag.substr(2)};
}

// seqeval's conlleval-style boundaries between the previous and the current tag.
bool ends_chunk(const Tag& prev, const Tag& cur) {
  const char p = prev.prefix, c = cur.prefix;
  if (p == 'E' || p == 'S') return true;
  if ((p == 'B' || p == 'I') && (c == 'B' || c == 'S' || c == 'O')) return true;
  return p != 'O' && prev.type != cur.type;
}
bool starts_chunk(const Tag& prev, const Tag& cur) {
  const char p = prev.prefix, c = cur.prefix;
  if (c == 'B' || c == 'S') return true;
  if ((p == 'E' || p == 'S' || p == 'O') && (c == 'E' || c == 'I')) return true;
  return c != 'O' && prev.type != cur.type;
}

std::set<Entity> lenient_entities(const TagSequences& sequences) {
  std::set<Entity> entities;
  const Tag outside{'O', "_"};
  Tag prev = outside;
  size_t begin = 0, pos = 0;
  auto step = [&](const Tag& cur) {
    if (ends_chunk(prev, cur)) entities.emplace(0, begin, pos - 1, prev.type);
    if (starts_chunk(prev, cur)) begin = pos;
    prev = cur;
    ++pos;
  };
  // Each sentence is followed by an O so entities never span sentences.
  for (const auto& sentence : sequences) {
    for (const auto& tag : sentence) step(parse_tag(tag));
    step(outside);
  }
  return entities;
}

// Strict mode: seqeval's scheme automata for IOB1 and IOB2. An entity opens on a start
// pattern, extends while tokens are "inside", and counts only when the token after it is a
// valid end for its last token.
class StrictScheme {
 public:
  explicit StrictScheme(const std::string& scheme) : iob1_(scheme == "IOB1") {
    if (scheme != "IOB1" && scheme != "IOB2")
      throw Error("seqeval: scheme '" + scheme + "' is not supported in strict mode (IOB1, IOB2)");
  }
  Tag token(const std::string& tag) const {
    Tag t = parse_tag(tag);
    if (t.prefix != 'O' && t.prefix != 'B' && t.prefix != 'I')
      throw Error("seqeval: tag '" + tag + "' is not allowed in " + std::string(iob1_ ? "IOB1" : "IOB2") +
                  " (prefixes I, O, B)");
    return t;
  }
  bool is_start(const Tag& prev, const Tag& cur) const {
    const bool same = prev.type == cur.type;
    if (!iob1_) return cur.prefix == 'B';
    if (cur.prefix == 'I') return prev.prefix == 'O' || prev.prefix == 'B' || !same;
    return cur.prefix == 'B' && (prev.prefix == 'I' || prev.prefix == 'B') && same;
  }
  bool is_inside(const Tag& prev, const Tag& cur) const {
    return cur.prefix == 'I' && (prev.prefix == 'B' || prev.prefix == 'I') && prev.type == cur.type;
  }
  // Does `cur` close an entity whose last token is `prev`?
  bool is_end(const Tag& prev, const Tag& cur) const {
    const bool same = prev.type == cur.type;
    if (prev.prefix == 'O') return false;
    if (cur.prefix == 'O') return true;
    if (cur.prefix == 'I') return !same;
    // cur is B: IOB2 always ends; IOB1 ends after I of any type, after B only of the same.
    return !iob1_ || prev.prefix == 'I' || same;
  }

 private:
  bool iob1_;
};

std::set<Entity> strict_entities(const TagSequences& sequences, const StrictScheme& scheme) {
  std::set<Entity> entities;
  for (size_t s = 0; s < sequences.size(); ++s) {
    std::vector<Tag> tokens;
    for (const auto& tag : sequences[s]) tokens.push_back(scheme.token(tag));
    tokens.push_back({'O', "_"});
    Tag prev{'O', "_"};
    size_t i = 0;
    while (i < tokens.size()) {
      if (scheme.is_start(prev, tokens[i])) {
        size_t end = i + 1;
        while (end < tokens.size() && scheme.is_inside(tokens[end - 1], tokens[end])) ++end;
        if (end < tokens.size() && scheme.is_end(tokens[end - 1], tokens[end]))
          entities.emplace(s, i, end, tokens[i].type);
        i = end;
      } else {
        ++i;
      }
      prev = tokens[i - 1];
    }
  }
  return entities;
}

double ratio(double num, double den) { return den == 0 ? 0.0 : num / den; }
double f1_of(double p, double r) { return p + r == 0 ? 0.0 : 2 * p * r / (p + r); }

}  // namespace

SeqevalResult seqeval(const TagSequences& predictions, const TagSequences& references, const SeqevalOptions& options) {
  if (predictions.size() != references.size())
    throw Error("seqeval: " + std::to_string(predictions.size()) + " predicted sequences but " +
                std::to_string(references.size()) + " reference sequences");
  size_t tokens = 0, correct_tokens = 0;
  for (size_t s = 0; s < predictions.size(); ++s) {
    if (predictions[s].size() != references[s].size())
      throw Error("seqeval: sequence " + std::to_string(s) + " has " + std::to_string(predictions[s].size()) +
                  " predicted tags but " + std::to_string(references[s].size()) + " reference tags");
    for (size_t t = 0; t < predictions[s].size(); ++t) correct_tokens += predictions[s][t] == references[s][t];
    tokens += predictions[s].size();
  }
  if (tokens == 0) throw Error("seqeval: no tags to score (the evaluation set is empty)");

  std::set<Entity> pred, truth;
  if (options.strict) {
    const StrictScheme scheme(options.scheme);
    pred = strict_entities(predictions, scheme);
    truth = strict_entities(references, scheme);
  } else {
    pred = lenient_entities(predictions);
    truth = lenient_entities(references);
  }

  // Every type seen in either list gets a row (seqeval's target names).
  struct Counts {
    double tp = 0, pred = 0, truth = 0;
  };
  std::map<std::string, Counts> by_type;
  for (const Entity& e : pred) {
    by_type[std::get<3>(e)].pred += 1;
    if (truth.count(e)) by_type[std::get<3>(e)].tp += 1;
  }
  for (const Entity& e : truth) by_type[std::get<3>(e)].truth += 1;

  SeqevalResult result;
  Counts all;
  for (const auto& [type, c] : by_type) {
    EntityScores& s = result.per_type[type];
    s.precision = ratio(c.tp, c.pred);
    s.recall = ratio(c.tp, c.truth);
    s.f1 = f1_of(s.precision, s.recall);
    s.number = static_cast<int64_t>(c.truth);
    all.tp += c.tp;
    all.pred += c.pred;
    all.truth += c.truth;
  }
  result.overall_precision = ratio(all.tp, all.pred);
  result.overall_recall = ratio(all.tp, all.truth);
  result.overall_f1 = f1_of(result.overall_precision, result.overall_recall);
  result.overall_accuracy = static_cast<double>(correct_tokens) / static_cast<double>(tokens);
  return result;
}

}  // namespace cuddle::metrics
