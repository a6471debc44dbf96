// Evaluation metrics with the definitions of Hugging Face `evaluate` (and the libraries its
// metrics wrap: scikit-learn, seqeval, the SQuAD v1.1 script, pycocotools), so the numbers a
// Trainer logs as eval_* are the ones a Python user would see. docs/training.md lists the
// names, options and result keys.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::metrics {

// Result of a metric: evaluate's key names ("accuracy", "f1", "overall_f1", ...) to values.
using Scores = std::map<std::string, double>;

// ---- classification (scikit-learn semantics) --------------------------------------------
// Labels are class ids. Every function throws cuddle::Error when predictions and references
// differ in length or are empty. Ill-defined ratios (no predicted or no true samples of a class) count 0,
// as scikit-learn's zero_division=0 / "warn" does.

double accuracy(std::span<const int64_t> predictions, std::span<const int64_t> references);

enum class Average { Binary, Macro, Micro, Weighted };
// "binary" / "macro" / "micro" / "weighted"; throws for anything else.
Average parse_average(const std::string& name);

struct PrecisionRecallF1 {
  double precision = 0, recall = 0, f1 = 0;
};
// Binary scores the class pos_label and refuses more than two classes (choose an average);
// the others average over the sorted union of classes seen in either list: macro unweighted,
// weighted by true support, micro over pooled counts.
PrecisionRecallF1 precision_recall_f1(std::span<const int64_t> predictions, std::span<const int64_t> references,
                                      Average average = Average::Binary, int64_t pos_label = 1);

// Multiclass Matthews correlation coefficient from the confusion matrix (0 when undefined).
double matthews_correlation(std::span<const int64_t> predictions, std::span<const int64_t> references);

// ---- named-entity recognition (seqeval) -------------------------------------------------

using TagSequences = std::vector<std::vector<std::string>>;
struct SeqevalOptions {
  // Default mode is conlleval's lenient chunking (IOB1 and IOB2 alike). Strict mode only
  // counts entities that are well formed in `scheme` ("IOB1" or "IOB2"), as seqeval's
  // mode="strict" does.
  bool strict = false;
  std::string scheme = "IOB2";
};
struct EntityScores {
  double precision = 0, recall = 0, f1 = 0;
  int64_t number = 0;  // true entities of this type
};
struct SeqevalResult {
  std::map<std::string, EntityScores> per_type;  // sorted by type name
  double overall_precision = 0, overall_recall = 0, overall_f1 = 0;
  double overall_accuracy = 0;  // token level
};
SeqevalResult seqeval(const TagSequences& predictions, const TagSequences& references,
                      const SeqevalOptions& options = {});

// ---- extractive question answering (SQuAD v1.1) -----------------------------------------

struct SquadPrediction {
  std::string id, prediction_text;
};
struct SquadReference {
  std::string id;
  std::vector<std::string> answers;  // answers.text
};
struct SquadScores {
  double exact_match = 0, f1 = 0;  // percent
};
// Each reference is scored against the prediction with its id (a question without one
// scores 0), taking the best over its answers after SQuAD's normalisation.
SquadScores squad(const std::vector<SquadPrediction>& predictions, const std::vector<SquadReference>& references);
// SQuAD's normalisation: lower case, ASCII punctuation removed, the articles a / an / the
// removed, whitespace collapsed.
std::string squad_normalize(const std::string& text);

// SQuAD v2 (evaluate's "squad_v2", the official v2.0 script): a question whose answers are
// all empty after normalisation expects "" (no answer); scores are over the questions that
// have a prediction (`total`), split into HasAns_* / NoAns_* where both kinds occur, and
// best_exact / best_f1 with their thresholds over no_answer_probability. A prediction whose
// no_answer_probability exceeds 1.0 counts as "no answer".
struct SquadV2Prediction {
  std::string id, prediction_text;
  double no_answer_probability = 0;
};
Scores squad_v2(const std::vector<SquadV2Prediction>& predictions,
                const std::vector<SquadReference>& references);

// ---- language modelling -----------------------------------------------------------------

// exp(summed token negative log-likelihood / token count), the Trainer's exp(eval_loss).
double perplexity(double nll_sum, int64_t token_count);

// ---- object detection (COCO mAP, pycocotools semantics) ---------------------------------

struct Box {
  double x1, y1, x2, y2;  // corners, as post_process_object_detection returns them
  int64_t label;
  double score = 1;  // ignored for ground truth
};
struct DetectionScores {
  double map = -1, map_50 = -1, map_75 = -1;  // -1 when no category has ground truth
};
// One entry per image in both lists. AP averaged over IoU thresholds .50:.05:.95, the
// categories that have ground truth and 101 recall points, all areas, at most 100
// detections per image and category.
DetectionScores mean_average_precision(const std::vector<std::vector<Box>>& predictions,
                                       const std::vector<std::vector<Box>>& references);

// ---- by name, as evaluate.load(name).compute(...) ---------------------------------------

// Inputs as JSON, in the shapes evaluate takes them:
//   accuracy, precision, recall, f1, matthews_correlation: lists of class ids;
//     options average ("binary"), pos_label (1)
//   seqeval: lists of tag lists; options scheme ("IOB1" / "IOB2"), mode ("strict"); result
//     keys overall_precision / _recall / _f1 / _accuracy and <TYPE>_precision / _recall /
//     _f1 / _number (the flattening run_ner.py applies)
//   squad: [{"id", "prediction_text"}] and [{"id", "answers": {"text": [...]}}]
//   perplexity: per-sequence summed NLL and per-sequence token counts
//   mean_average_precision: per image [{"box": [x1, y1, x2, y2], "label", "score"}]
//     (references without score); keys map, map_50, map_75
// Throws cuddle::Error naming the known metrics for an unknown name, and naming the
// offending field for malformed inputs.
Scores compute(const std::string& name, const nlohmann::json& predictions, const nlohmann::json& references,
               const nlohmann::json& options = nlohmann::json::object());
// Every name compute() accepts, sorted.
std::vector<std::string> metric_names();
// The metric run_*.py evaluates a task with when the user names none (accuracy for
// classification, seqeval for token classification, squad for question answering,
// perplexity for language modelling, mean_average_precision for object detection).
std::string default_metric_for_task(const std::string& task);

}  // namespace cuddle::metrics
