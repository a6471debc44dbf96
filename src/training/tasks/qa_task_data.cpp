// prepare_question_answering_data (task_data.h): run_qa.py's features for each split, its
// collator, and its post-processing of the evaluation and prediction outputs.
#include <memory>

#include "cuddle/error.h"
#include "training/tasks/task_data.h"

namespace cuddle::training {

namespace {

// A split's examples with the features made from them (both capped at max_*_samples, as
// run_qa.py caps them).
struct QaSplit {
  datasets::Dataset examples;
  QaFeatures features;
};

// Whether the examples carry SQuAD answers to score against (a test set may not).
bool has_answers(const datasets::Dataset& examples) {
  const QaColumns cols = qa_columns(examples, "test");
  if (cols.answers == cols.question || cols.answers == cols.context || examples.num_rows() == 0) return false;
  const datasets::Json first = examples.column_values(cols.answers).front();
  return first.is_object() && first.contains("text");
}

}  // namespace

TaskData prepare_question_answering_data(const TaskArguments& task, const std::string& model_dir, const Splits& raw,
                                         const std::string& output_dir) {
  if (!task.metric_name.empty())
    throw Error("cuddle train question-answering: --metric_name is not used; the task reports squad (squad_v2 with "
                "--version_2_with_negative)");
  if (!task.text_column_names.empty() || !task.label_column_name.empty())
    throw Error("cuddle train question-answering: the columns are \"question\", \"context\" and \"answers\" (else "
                "the first three), as run_qa.py takes them; --text_column_name / --label_column_name do not apply");
  const AutoTokenizer tokenizer = AutoTokenizer::from_pretrained(model_dir);
  QaOptions o;
  o.max_seq_length = task.max_seq_length.value_or(384);
  o.doc_stride = task.doc_stride;
  o.pad_to_max_length = task.pad_to_max_length.value_or(true);
  o.n_best_size = task.n_best_size;
  o.max_answer_length = task.max_answer_length;
  o.version_2_with_negative = task.version_2_with_negative;
  o.null_score_diff_threshold = task.null_score_diff_threshold;
  if (o.n_best_size < 1 || o.max_answer_length < 1)
    throw Error("--n_best_size and --max_answer_length must be at least 1");

  auto capped = [](QaFeatures f, const std::optional<int64_t>& max) { return max ? select_qa_features(f, *max) : f; };
  TaskData out;
  std::shared_ptr<QaSplit> eval, test;
  if (raw.train)
    out.data.train = capped(prepare_qa_train_features(tokenizer, *raw.train, o, "train"), task.max_train_samples).inputs;
  if (raw.eval) {
    eval = std::make_shared<QaSplit>(
        QaSplit{*raw.eval, capped(prepare_qa_eval_features(tokenizer, *raw.eval, o, "validation"), task.max_eval_samples)});
    out.data.eval = eval->features.inputs;
  }
  if (raw.test) {
    test = std::make_shared<QaSplit>(
        QaSplit{*raw.test, capped(prepare_qa_eval_features(tokenizer, *raw.test, o, "test"), task.max_predict_samples)});
    out.data.test = test->features.inputs;
  }
  out.collator = o.pad_to_max_length ? default_data_collator() : data_collator_with_padding(padding_of(tokenizer));
  // QuestionAnsweringTrainer's evaluate / predict: answers per example written as utils_qa
  // writes them (eval_* or predict_* files), then squad on the examples when they have
  // answers (a test set may not).
  out.post_process_metrics = [eval, test, o, output_dir](const EvalPrediction& p, const std::string& prefix) {
    const bool evaluating = prefix == "eval";
    const std::shared_ptr<QaSplit>& split = evaluating ? eval : test;
    if (!split) throw Error("question answering: no " + std::string(evaluating ? "validation" : "test") + " examples");
    const auto answers = postprocess_qa_predictions(split->examples, split->features, p.predictions, o);
    write_qa_predictions(output_dir, evaluating ? "eval" : "predict", answers, o.version_2_with_negative);
    if (!has_answers(split->examples)) return Metrics{};
    return qa_metrics(split->examples, answers, o.version_2_with_negative);
  };
  return out;
}

}  // namespace cuddle::training
