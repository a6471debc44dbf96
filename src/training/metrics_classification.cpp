// Classification metrics with scikit-learn's semantics (what evaluate's accuracy, precision,
// recall, f1 and matthews_correlation call): classes are the sorted union of the labels in
// both lists, ill-defined ratios are 0 (zero_division=0).
#include <cmath>
#include <map>
#include <set>

#include "cuddle/metrics.h"

namespace cuddle::metrics {
namespace {

void check_lengths(std::span<const int64_t> predictions, std::span<const int64_t> references) {
  if (predictions.size() != references.size())
    throw Error("metrics: " + std::to_string(predictions.size()) + " predictions but " +
                std::to_string(references.size()) + " references; they must pair up one to one");
  // scikit-learn answers NaN or refuses; an empty evaluation set is a mistake upstream.
  if (predictions.empty()) throw Error("metrics: no predictions to score (the evaluation set is empty)");
}

// 0 where the denominator is 0: scikit-learn's zero_division=0.
double ratio(double num, double den) { return den == 0 ? 0.0 : num / den; }

struct ClassCounts {
  double tp = 0, pred = 0, truth = 0;  // true positives, predicted, true (support)
};

std::map<int64_t, ClassCounts> count_per_class(std::span<const int64_t> predictions,
                                              std::span<const int64_t> references) {
  std::map<int64_t, ClassCounts> counts;
  for (size_t i = 0; i < predictions.size(); ++i) {
    counts[predictions[i]].pred += 1;
    counts[references[i]].truth += 1;
    if (predictions[i] == references[i]) counts[predictions[i]].tp += 1;
  }
  return counts;
}

PrecisionRecallF1 scores_of(const ClassCounts& c) {
  // F1 as 2tp / (2tp + fp + fn) = 2tp / (pred + truth), as current scikit-learn computes it.
  return {ratio(c.tp, c.pred), ratio(c.tp, c.truth), ratio(2 * c.tp, c.pred + c.truth)};
}

}  // namespace

double accuracy(std::span<const int64_t> predictions, std::span<const int64_t> references) {
  check_lengths(predictions, references);
  size_t correct = 0;
  for (size_t i = 0; i < predictions.size(); ++i) correct += predictions[i] == references[i];
  return static_cast<double>(correct) / static_cast<double>(predictions.size());
}

Average parse_average(const std::string& name) {
  if (name == "binary") return Average::Binary;
  if (name == "macro") return Average::Macro;
  if (name == "micro") return Average::Micro;
  if (name == "weighted") return Average::Weighted;
  throw Error("metrics: average '" + name + "' is not one of binary, macro, micro, weighted");
}

PrecisionRecallF1 precision_recall_f1(std::span<const int64_t> predictions, std::span<const int64_t> references,
                                      Average average, int64_t pos_label) {
  check_lengths(predictions, references);
  const std::map<int64_t, ClassCounts> counts = count_per_class(predictions, references);
  switch (average) {
    case Average::Binary: {
      if (counts.size() > 2)
        throw Error("metrics: the labels have " + std::to_string(counts.size()) +
                    " classes but average is 'binary'; choose average macro, micro or weighted");
      // Two classes without pos_label is an error in scikit-learn; one class (or none) is
      // scored for pos_label, which then simply has no positives.
      auto it = counts.find(pos_label);
      if (it == counts.end()) {
        if (counts.size() == 2)
          throw Error("metrics: pos_label=" + std::to_string(pos_label) + " is not one of the labels " +
                      std::to_string(counts.begin()->first) + ", " + std::to_string(counts.rbegin()->first));
        return {};
      }
      return scores_of(it->second);
    }
    case Average::Micro: {
      ClassCounts pooled;
      for (const auto& [label, c] : counts) {
        pooled.tp += c.tp;
        pooled.pred += c.pred;
        pooled.truth += c.truth;
      }
      return scores_of(pooled);
    }
    case Average::Macro:
    case Average::Weighted: {
      PrecisionRecallF1 sum;
      double total_weight = 0;
      for (const auto& [label, c] : counts) {
        const double w = average == Average::Macro ? 1.0 : c.truth;
        const PrecisionRecallF1 s = scores_of(c);
        sum.precision += w * s.precision;
        sum.recall += w * s.recall;
        sum.f1 += w * s.f1;
        total_weight += w;
      }
      return {ratio(sum.precision, total_weight), ratio(sum.recall, total_weight), ratio(sum.f1, total_weight)};
    }
  }
  return {};
}

double matthews_correlation(std::span<const int64_t> predictions, std::span<const int64_t> references) {
  check_lengths(predictions, references);
  // Gorodkin's multiclass form: (c*s - sum_k p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2))
  // with c correct, s samples, p_k predicted and t_k true counts of class k.
  const std::map<int64_t, ClassCounts> counts = count_per_class(predictions, references);
  const double s = static_cast<double>(predictions.size());
  double c = 0, pt = 0, pp = 0, tt = 0;
  for (const auto& [label, k] : counts) {
    c += k.tp;
    pt += k.pred * k.truth;
    pp += k.pred * k.pred;
    tt += k.truth * k.truth;
  }
  const double cov_pp = s * s - pp, cov_tt = s * s - tt;
  if (cov_pp * cov_tt == 0) return 0.0;
  return (c * s - pt) / std::sqrt(cov_tt * cov_pp);
}

}  // namespace cuddle::metrics
