// SQuAD v1.1 exact match and token F1 (evaluate's "squad"): both texts are normalised, a
// prediction is scored against each gold answer and keeps its best, and the averages are in
// percent over every reference question.
#include <cctype>
#include <map>
#include <sstream>
#include <unordered_map>

#include "cuddle/metrics.h"

namespace cuddle::metrics {
namespace {

bool is_ascii_punctuation(unsigned char c) { return c < 128 && std::ispunct(c); }
// A regex word character for the article rule: ASCII alphanumerics and '_', and every
// non-ASCII byte (Python's \b treats letters of any script as word characters).
bool is_word_byte(unsigned char c) { return c >= 128 || std::isalnum(c) || c == '_'; }

std::vector<std::string> split_whitespace(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

double token_f1(const std::string& prediction, const std::string& truth) {
  const std::vector<std::string> pred = split_whitespace(squad_normalize(prediction));
  const std::vector<std::string> gold = split_whitespace(squad_normalize(truth));
  std::unordered_map<std::string, int> gold_counts;
  for (const auto& w : gold) ++gold_counts[w];
  int same = 0;
  for (const auto& w : pred) {
    auto it = gold_counts.find(w);
    if (it != gold_counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;
  const double precision = static_cast<double>(same) / static_cast<double>(pred.size());
  const double recall = static_cast<double>(same) / static_cast<double>(gold.size());
  return 2 * precision * recall / (precision + recall);
}

}  // namespace

std::string squad_normalize(const std::string& text) {
  // The script's order: lower case, drop punctuation, drop articles, collapse whitespace.
  // Lower casing is ASCII only; Python lowers every script (a known, documented difference).
  std::string kept;
  for (unsigned char c : text)
    if (!is_ascii_punctuation(c)) kept.push_back(static_cast<char>(std::tolower(c)));
  std::string no_articles;
  for (size_t i = 0; i < kept.size();) {
    size_t j = i;
    while (j < kept.size() && is_word_byte(static_cast<unsigned char>(kept[j]))) ++j;
    if (j == i) {
      no_articles.push_back(kept[i++]);
      continue;
    }
    const std::string word = kept.substr(i, j - i);
    no_articles += word == "a" || word == "an" || word == "the" ? " " : word;
    i = j;
  }
  std::string out;
  for (const auto& w : split_whitespace(no_articles)) out += (out.empty() ? "" : " ") + w;
  return out;
}

SquadScores squad(const std::vector<SquadPrediction>& predictions, const std::vector<SquadReference>& references) {
  if (references.empty()) throw Error("squad: no references to score (the evaluation set is empty)");
  std::map<std::string, const std::string*> by_id;
  for (const auto& p : predictions) by_id[p.id] = &p.prediction_text;
  double exact = 0, f1 = 0;
  for (const auto& ref : references) {
    auto it = by_id.find(ref.id);
    if (it == by_id.end()) continue;  // unanswered: scores 0 but still counts
    double best_exact = 0, best_f1 = 0;
    for (const auto& answer : ref.answers) {
      best_exact = std::max(best_exact, squad_normalize(*it->second) == squad_normalize(answer) ? 1.0 : 0.0);
      best_f1 = std::max(best_f1, token_f1(*it->second, answer));
    }
    exact += best_exact;
    f1 += best_f1;
  }
  const double n = static_cast<double>(references.size());
  return {100.0 * exact / n, 100.0 * f1 / n};
}

}  // namespace cuddle::metrics
