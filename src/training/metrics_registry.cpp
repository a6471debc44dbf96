// Metrics by name with JSON inputs in evaluate's shapes, so a Trainer (or `cuddle train
// --metric`) can pick one from a string, and the task defaults run_*.py use.
#include <cmath>
#include <functional>

#include "cuddle/metrics.h"

namespace cuddle::metrics {
namespace {

using Json = nlohmann::json;

std::vector<int64_t> class_ids(const Json& j, const char* what) {
  if (!j.is_array()) throw Error(std::string("metrics: ") + what + " must be a list of class ids");
  std::vector<int64_t> out;
  for (const auto& v : j) {
    if (!v.is_number_integer())
      throw Error(std::string("metrics: ") + what + " must hold integer class ids, found " + v.dump());
    out.push_back(v.get<int64_t>());
  }
  return out;
}

TagSequences tag_sequences(const Json& j, const char* what) {
  if (!j.is_array()) throw Error(std::string("seqeval: ") + what + " must be a list of tag lists");
  TagSequences out;
  for (const auto& seq : j) {
    if (!seq.is_array()) throw Error(std::string("seqeval: ") + what + " must be a list of tag lists, found " + seq.dump());
    auto& tags = out.emplace_back();
    for (const auto& t : seq) {
      if (!t.is_string()) throw Error(std::string("seqeval: ") + what + " tags must be strings, found " + t.dump());
      tags.push_back(t.get<std::string>());
    }
  }
  return out;
}

std::string string_field(const Json& obj, const char* key, const char* where) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string())
    throw Error(std::string(where) + ": each entry needs a string \"" + key + "\", found " + obj.dump());
  return obj[key].get<std::string>();
}

std::vector<std::vector<Box>> boxes(const Json& j, const char* what, bool with_scores) {
  const std::string where = std::string("mean_average_precision: ") + what;
  if (!j.is_array()) throw Error(where + " must be a list (one entry per image) of box lists");
  std::vector<std::vector<Box>> images;
  for (const auto& image : j) {
    if (!image.is_array()) throw Error(where + ": each image must be a list of boxes, found " + image.dump());
    auto& out = images.emplace_back();
    for (const auto& b : image) {
      if (!b.is_object() || !b.contains("box") || !b["box"].is_array() || b["box"].size() != 4 ||
          !b.contains("label") || !b["label"].is_number_integer() || (with_scores && !b.contains("score")))
        throw Error(where + ": a box needs \"box\": [x1, y1, x2, y2], an integer \"label\"" +
                    (with_scores ? std::string(" and a \"score\"") : std::string()) + ", found " + b.dump());
      const auto& c = b["box"];
      out.push_back({c[0].get<double>(), c[1].get<double>(), c[2].get<double>(), c[3].get<double>(),
                     b["label"].get<int64_t>(), with_scores ? b["score"].get<double>() : 1.0});
    }
  }
  return images;
}

Scores classification(const std::string& name, const Json& pred, const Json& ref, const Json& options) {
  const auto p = class_ids(pred, "predictions"), r = class_ids(ref, "references");
  if (name == "accuracy") return {{"accuracy", accuracy(p, r)}};
  if (name == "matthews_correlation") return {{"matthews_correlation", matthews_correlation(p, r)}};
  if (options.contains("average") && !options["average"].is_string())
    throw Error("metric '" + name + "': option average must be a string (binary, macro, micro, weighted)");
  if (options.contains("pos_label") && !options["pos_label"].is_number_integer())
    throw Error("metric '" + name + "': option pos_label must be an integer class id, found " +
                options["pos_label"].dump());
  const PrecisionRecallF1 s = precision_recall_f1(p, r, parse_average(options.value("average", "binary")),
                                                  options.value("pos_label", int64_t{1}));
  if (name == "precision") return {{"precision", s.precision}};
  if (name == "recall") return {{"recall", s.recall}};
  return {{"f1", s.f1}};
}

Scores seqeval_scores(const Json& pred, const Json& ref, const Json& options) {
  for (const char* key : {"mode", "scheme"})
    if (options.contains(key) && !options[key].is_string() && !options[key].is_null())
      throw Error(std::string("seqeval: option ") + key + " must be a string, found " + options[key].dump());
  SeqevalOptions o;
  o.strict = options.contains("mode") && options["mode"] == "strict";
  if (options.contains("scheme") && options["scheme"].is_string()) o.scheme = options["scheme"].get<std::string>();
  const SeqevalResult r = seqeval(tag_sequences(pred, "predictions"), tag_sequences(ref, "references"), o);
  Scores out{{"overall_precision", r.overall_precision},
             {"overall_recall", r.overall_recall},
             {"overall_f1", r.overall_f1},
             {"overall_accuracy", r.overall_accuracy}};
  for (const auto& [type, s] : r.per_type) {
    out[type + "_precision"] = s.precision;
    out[type + "_recall"] = s.recall;
    out[type + "_f1"] = s.f1;
    out[type + "_number"] = static_cast<double>(s.number);
  }
  return out;
}

std::vector<SquadReference> squad_references(const Json& ref, const char* metric) {
  const std::string m = metric;
  std::vector<SquadReference> r;
  for (const auto& e : ref) {
    SquadReference& out = r.emplace_back();
    out.id = string_field(e, "id", metric);
    if (!e.contains("answers") || !e["answers"].is_object() || !e["answers"].contains("text") ||
        !e["answers"]["text"].is_array())
      throw Error(m + ": each reference needs \"answers\": {\"text\": [...]}, found " + e.dump());
    for (const auto& t : e["answers"]["text"]) {
      if (!t.is_string()) throw Error(m + ": answer texts must be strings, found " + t.dump());
      out.answers.push_back(t.get<std::string>());
    }
  }
  return r;
}

Scores squad_scores(const Json& pred, const Json& ref, const Json&) {
  if (!pred.is_array() || !ref.is_array()) throw Error("squad: predictions and references must be lists");
  std::vector<SquadPrediction> p;
  for (const auto& e : pred) p.push_back({string_field(e, "id", "squad"), string_field(e, "prediction_text", "squad")});
  const SquadScores s = squad(p, squad_references(ref, "squad"));
  return {{"exact_match", s.exact_match}, {"f1", s.f1}};
}

Scores squad_v2_scores(const Json& pred, const Json& ref, const Json&) {
  if (!pred.is_array() || !ref.is_array()) throw Error("squad_v2: predictions and references must be lists");
  std::vector<SquadV2Prediction> p;
  for (const auto& e : pred) {
    if (!e.contains("no_answer_probability") || !e["no_answer_probability"].is_number())
      throw Error("squad_v2: each prediction needs a numeric \"no_answer_probability\", found " + e.dump());
    p.push_back({string_field(e, "id", "squad_v2"), string_field(e, "prediction_text", "squad_v2"),
                 e["no_answer_probability"].get<double>()});
  }
  return squad_v2(p, squad_references(ref, "squad_v2"));
}

Scores perplexity_scores(const Json& pred, const Json& ref, const Json&) {
  if (!pred.is_array() || !ref.is_array() || pred.size() != ref.size())
    throw Error("perplexity: predictions (summed NLL per sequence) and references (token counts) must be lists of "
                "the same length");
  double nll = 0;
  int64_t tokens = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    if (!pred[i].is_number() || !ref[i].is_number_integer())
      throw Error("perplexity: entry " + std::to_string(i) + " needs a number and an integer token count");
    nll += pred[i].get<double>();
    tokens += ref[i].get<int64_t>();
  }
  return {{"perplexity", perplexity(nll, tokens)}};
}

Scores detection_scores(const Json& pred, const Json& ref, const Json&) {
  const DetectionScores s = mean_average_precision(boxes(pred, "predictions", true), boxes(ref, "references", false));
  return {{"map", s.map}, {"map_50", s.map_50}, {"map_75", s.map_75}};
}

using MetricFn = std::function<Scores(const Json&, const Json&, const Json&)>;
const std::map<std::string, MetricFn>& registry() {
  static const std::map<std::string, MetricFn> r = [] {
    std::map<std::string, MetricFn> m;
    for (const char* name : {"accuracy", "precision", "recall", "f1", "matthews_correlation"})
      m[name] = [n = std::string(name)](const Json& p, const Json& r, const Json& o) { return classification(n, p, r, o); };
    m["seqeval"] = seqeval_scores;
    m["squad"] = squad_scores;
    m["squad_v2"] = squad_v2_scores;
    m["perplexity"] = perplexity_scores;
    m["mean_average_precision"] = detection_scores;
    return m;
  }();
  return r;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

double perplexity(double nll_sum, int64_t token_count) {
  if (token_count <= 0) throw Error("perplexity: no tokens to score (token count " + std::to_string(token_count) + ")");
  return std::exp(nll_sum / static_cast<double>(token_count));
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : registry()) names.push_back(name);
  return names;
}

Scores compute(const std::string& name, const Json& predictions, const Json& references, const Json& options) {
  auto it = registry().find(name);
  if (it == registry().end())
    throw Error("unknown metric '" + name + "'; known metrics: " + joined(metric_names()));
  if (!options.is_object()) throw Error("metric '" + name + "': options must be a JSON object");
  return it->second(predictions, references, options);
}

std::string default_metric_for_task(const std::string& task) {
  static const std::map<std::string, std::string> defaults = {
      {"text-classification", "accuracy"},       {"image-classification", "accuracy"},
      {"token-classification", "seqeval"},       {"question-answering", "squad"},
      {"fill-mask", "perplexity"},               {"text-generation", "perplexity"},
      {"object-detection", "mean_average_precision"},
  };
  auto it = defaults.find(task);
  if (it == defaults.end()) {
    std::vector<std::string> tasks;
    for (const auto& [t, m] : defaults) tasks.push_back(t);
    throw Error("no default metric for task '" + task + "'; tasks with one: " + joined(tasks));
  }
  return it->second;
}

}  // namespace cuddle::metrics
