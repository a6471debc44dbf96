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

// SQuAD's token F1; `empty_matches`: v2's rule that an empty prediction and an empty gold
// answer agree (1), where v1 scores every empty side 0.
double token_f1(const std::string& prediction, const std::string& truth, bool empty_matches = false) {
  const std::vector<std::string> pred = split_whitespace(squad_normalize(prediction));
  const std::vector<std::string> gold = split_whitespace(squad_normalize(truth));
  if (empty_matches && (pred.empty() || gold.empty())) return pred == gold ? 1.0 : 0.0;
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

Scores squad_v2(const std::vector<SquadV2Prediction>& predictions,
                const std::vector<SquadReference>& references) {
  if (references.empty()) throw Error("squad_v2: no references to score (the evaluation set is empty)");
  std::map<std::string, const SquadV2Prediction*> by_id;
  for (const auto& p : predictions) by_id[p.id] = &p;
  struct Scored {
    bool has_answer;
    double exact, f1, no_answer_probability;
    bool predicted_text;  // a non-empty prediction
  };
  std::vector<Scored> scored;  // the questions with a prediction, in reference order
  int64_t no_answer_questions = 0;
  for (const auto& ref : references) {
    std::vector<std::string> gold;
    for (const auto& a : ref.answers)
      if (!squad_normalize(a).empty()) gold.push_back(a);
    const bool has_answer = !ref.answers.empty();
    no_answer_questions += !has_answer;
    if (gold.empty()) gold = {""};
    auto it = by_id.find(ref.id);
    if (it == by_id.end()) continue;
    const SquadV2Prediction& p = *it->second;
    Scored s{has_answer, 0, 0, p.no_answer_probability, !p.prediction_text.empty()};
    for (const auto& g : gold) {
      s.exact = std::max(s.exact, squad_normalize(g) == squad_normalize(p.prediction_text) ? 1.0 : 0.0);
      s.f1 = std::max(s.f1, token_f1(p.prediction_text, g, true));
    }
    scored.push_back(s);
  }
  if (scored.empty()) throw Error("squad_v2: no reference question has a prediction");
  // apply_no_ans_threshold at 1.0: a confident "no answer" scores whether there was none.
  auto thresholded = [](const Scored& s, double raw) {
    return s.no_answer_probability > 1.0 ? double(!s.has_answer) : raw;
  };
  Scores out;
  auto summarise = [&](const std::string& prefix, int which) {  // which: -1 all, 1 has answer, 0 none
    double exact = 0, f1 = 0, total = 0;
    for (const auto& s : scored)
      if (which < 0 || int(s.has_answer) == which) {
        exact += thresholded(s, s.exact);
        f1 += thresholded(s, s.f1);
        ++total;
      }
    if (total == 0) return;
    out[prefix + "exact"] = 100.0 * exact / total;
    out[prefix + "f1"] = 100.0 * f1 / total;
    out[prefix + "total"] = total;
  };
  summarise("", -1);
  summarise("HasAns_", 1);
  summarise("NoAns_", 0);
  // find_best_thresh: answer "no answer" below a no_answer_probability threshold, swept over
  // the questions in order of that probability (stable, as Python's sorted).
  std::vector<size_t> order(scored.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return scored[a].no_answer_probability < scored[b].no_answer_probability;
  });
  auto best = [&](double Scored::*raw, const std::string& name) {
    double current = double(no_answer_questions), best_score = current, threshold = 0.0;
    for (size_t i : order) {
      const Scored& s = scored[i];
      current += s.has_answer ? s.*raw : (s.predicted_text ? -1.0 : 0.0);
      if (current > best_score) {
        best_score = current;
        threshold = s.no_answer_probability;
      }
    }
    out["best_" + name] = 100.0 * best_score / double(scored.size());
    out["best_" + name + "_thresh"] = threshold;
  };
  best(&Scored::exact, "exact");
  best(&Scored::f1, "f1");
  return out;
}

}  // namespace cuddle::metrics
