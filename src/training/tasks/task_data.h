// The per-task half of `cuddle train` (run_task.cpp holds the flow they share): each task's
// model-input datasets, collator, metrics and --do_predict file, as run_classification.py,
// run_image_classification.py, run_ner.py, run_mlm.py and run_qa.py build them. Private to
// src/training/tasks.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "cuddle/train_tasks.h"
#include "training/tasks/task_steps.h"

namespace cuddle::training {

struct TaskData {
  Splits data;  // what the Trainer reads
  DataCollator collator;
  ComputeMetrics compute_metrics;
  PreprocessLogits preprocess_logits;  // unset: the logits are gathered as they are
  // Question answering: the windows' logits mapped back to answers before the metrics
  // (the Trainer's set_post_process_metrics); unset for the other tasks.
  PostProcessMetrics post_process_metrics;
  // --do_predict: the file written into output_dir from the test set's predictions (its
  // name and contents); unset where the script predicts nothing.
  std::function<std::pair<std::string, std::string>(const EvalPrediction&)> prediction_file;
};

// The collators' padding for `tokenizer`: its pad token and padding side.
PaddingOptions padding_of(const AutoTokenizer& tokenizer);

// `labels` is the run's label set (none for fill-mask and question answering); errors name
// the split and what is wrong in it. `output_dir` receives question answering's
// prediction files.
TaskData prepare_task_data(const TaskArguments& task, ModelTask mtask, const std::string& model_dir,
                           const Splits& raw, const std::optional<LabelSet>& labels, const std::string& output_dir);

// run_qa.py's part: the splits' features, the collator, and the post-processing that writes
// <stage>_predictions.json and scores squad (squad_v2) on the examples with answers.
TaskData prepare_question_answering_data(const TaskArguments& task, const std::string& model_dir, const Splits& raw,
                                         const std::string& output_dir);

}  // namespace cuddle::training
