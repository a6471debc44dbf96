// prepare_task_data (task_data.h): per task, the tokeniser or image processor over each
// split, the collator, the metrics of the script it follows and its prediction file.
#include "training/tasks/task_data.h"

#include <algorithm>

#include "cuddle/dataset_image.h"
#include "cuddle/error.h"

namespace cuddle::training {

namespace {

// The metrics --metric_name names (evaluate's, by name; the task's default when none) on
// the arg-max of the logits. precision / recall / f1 average "macro" over more than two
// classes ("binary" otherwise), as a multi-class run has to choose one.
ComputeMetrics classification_metrics(std::vector<std::string> names, const std::string& task, int64_t num_labels) {
  if (names.empty()) names = {metrics::default_metric_for_task(task)};
  const auto known = metrics::metric_names();
  for (const auto& n : names)
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error("metric \"" + n + "\" does not exist (known: " + list + ")");
    }
  return [names, num_labels](const EvalPrediction& p) {
    const Tensor logits = p.predictions.contiguous();
    const int64_t n = logits.shape()[0], c = logits.shape()[1];
    const float* x = logits.data<float>();
    Json preds = Json::array(), refs = Json::array();
    for (int64_t i = 0; i < n; ++i) {
      preds.push_back(int64_t(std::max_element(x + i * c, x + (i + 1) * c) - (x + i * c)));
      refs.push_back(p.label_ids.data<int64_t>()[i]);
    }
    Metrics out;
    for (const auto& name : names) {
      Json options = Json::object();
      if ((name == "precision" || name == "recall" || name == "f1") && num_labels > 2) options["average"] = "macro";
      for (const auto& [k, v] : metrics::compute(name, preds, refs, options)) out[k] = v;
    }
    return out;
  };
}

// run_classification.py's predict_results.txt: index and predicted label per row.
std::pair<std::string, std::string> classification_predictions(const EvalPrediction& p, const LabelSet& labels) {
  const Tensor logits = p.predictions.contiguous();
  const int64_t n = logits.shape()[0], c = logits.shape()[1];
  std::string text = "index\tprediction\n";
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data<float>() + i * c;
    text += std::to_string(i) + "\t" + labels.names[size_t(std::max_element(row, row + c) - row)] + "\n";
  }
  return {"predict_results.txt", text};
}

// The image column must exist and hold images: checked on the first row before training.
void image_at_checked(const datasets::Dataset& ds, const std::string& column) {
  if (ds.num_rows() > 0) datasets::image_at(ds, 0, column);
}

// Each split through `f` (the raw split and its name), absent splits staying absent.
template <class F>
Splits map_splits(const Splits& raw, F f) {
  auto one = [&](const std::optional<datasets::Dataset>& ds, const char* name) {
    return ds ? std::optional(f(*ds, std::string(name))) : std::nullopt;
  };
  return {one(raw.train, "train"), one(raw.eval, "validation"), one(raw.test, "test")};
}

// The one text column run_ner.py / run_mlm.py take (--text_column_name), when given.
// --metric_name, which neither script has, is refused rather than silently ignored.
std::optional<std::string> single_text_column(const TaskArguments& task, const char* reports) {
  if (!task.metric_name.empty())
    throw Error("cuddle train " + task.task + ": --metric_name is not used; the task reports " + reports);
  if (task.text_column_names.size() > 1)
    throw Error("cuddle train " + task.task + ": --text_column_name takes one column");
  if (task.text_column_names.empty()) return std::nullopt;
  return task.text_column_names[0];
}

}  // namespace

PaddingOptions padding_of(const AutoTokenizer& tokenizer) {
  PaddingOptions padding;
  padding.pad_token_id = tokenizer.pad_token_id().value_or(0);
  padding.pad_left = tokenizer.padding_side() == Side::Left;
  return padding;
}

TaskData prepare_task_data(const TaskArguments& task, ModelTask mtask, const std::string& model_dir,
                           const Splits& raw, const std::optional<LabelSet>& labels, const std::string& output_dir) {
  if (mtask == ModelTask::QuestionAnswering) return prepare_question_answering_data(task, model_dir, raw, output_dir);
  TaskData out;
  if (mtask == ModelTask::ImageClassification) {
    std::shared_ptr<const ImageProcessor> processor = AutoImageProcessor::from_pretrained(model_dir);
    out.collator = image_classification_collator(processor, task.image_column_name, task.label_column_name, *labels);
    for (const auto* ds : {&raw.train, &raw.eval, &raw.test})
      if (*ds) image_at_checked(**ds, task.image_column_name);
    out.data = raw;
    out.compute_metrics = classification_metrics(task.metric_name, task.task, int64_t(labels->names.size()));
    out.prediction_file = [l = *labels](const EvalPrediction& p) { return classification_predictions(p, l); };
    return out;
  }
  const AutoTokenizer tokenizer = AutoTokenizer::from_pretrained(model_dir);
  if (mtask == ModelTask::TokenClassification) {
    TokenTaskOptions o;
    if (const auto column = single_text_column(task, "seqeval")) o.tokens_column = *column;
    o.label_column = task.label_column_name;
    o.max_seq_length = task.max_seq_length;
    o.pad_to_max_length = task.pad_to_max_length.value_or(false);
    o.label_all_tokens = task.label_all_tokens;
    out.data = map_splits(raw, [&](const datasets::Dataset& ds, const std::string& split) {
      return tokenize_for_token_classification(tokenizer, ds, o, *labels, split);
    });
    out.collator = data_collator_for_token_classification(padding_of(tokenizer));
    out.compute_metrics = token_classification_metrics(*labels, task.return_entity_level_metrics);
    out.prediction_file = [l = *labels](const EvalPrediction& p) {
      return std::pair<std::string, std::string>("predictions.txt", token_predictions_text(p, l));
    };
    return out;
  }
  if (mtask == ModelTask::MaskedLM) {
    MaskedLmOptions o;
    o.text_column = single_text_column(task, "accuracy over the masked tokens and perplexity").value_or("");
    o.max_seq_length = task.max_seq_length;
    o.line_by_line = task.line_by_line;
    o.pad_to_max_length = task.pad_to_max_length.value_or(false);
    out.data = map_splits(raw, [&](const datasets::Dataset& ds, const std::string& split) {
      return tokenize_for_masked_lm(tokenizer, ds, o, split);
    });
    out.collator = data_collator_for_language_modeling(masked_lm_collator_options(tokenizer, task.mlm_probability));
    out.compute_metrics = masked_lm_metrics();
    out.preprocess_logits = masked_lm_preprocess_logits();
    return out;
  }
  TextTaskOptions o;
  o.text_columns = task.text_column_names;
  o.label_column = task.label_column_name;
  o.max_seq_length = task.max_seq_length.value_or(128);
  o.pad_to_max_length = task.pad_to_max_length.value_or(true);
  out.data = map_splits(raw, [&](const datasets::Dataset& ds, const std::string& split) {
    return tokenize_for_sequence_classification(tokenizer, ds, o, *labels, split);
  });
  out.collator = data_collator_with_padding(padding_of(tokenizer));
  out.compute_metrics = classification_metrics(task.metric_name, task.task, int64_t(labels->names.size()));
  out.prediction_file = [l = *labels](const EvalPrediction& p) { return classification_predictions(p, l); };
  return out;
}

}  // namespace cuddle::training
