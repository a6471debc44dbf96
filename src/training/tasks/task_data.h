// The per-task half of `cuddle train` (run_task.cpp holds the flow they share): each task's
// model-input datasets, collator, metrics and --do_predict file, as run_classification.py,
// run_image_classification.py, run_ner.py and run_mlm.py build them. Private to
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
  // --do_predict: the file written into output_dir from the test set's predictions (its
  // name and contents); unset where the script predicts nothing.
  std::function<std::pair<std::string, std::string>(const EvalPrediction&)> prediction_file;
};

// `labels` is the run's label set (none for fill-mask); errors name the split and what is
// wrong in it.
TaskData prepare_task_data(const TaskArguments& task, ModelTask mtask, const std::string& model_dir,
                           const Splits& raw, const std::optional<LabelSet>& labels);

}  // namespace cuddle::training
