// The model card (README.md) the Trainer writes at the end of a run, as transformers'
// Trainer.create_model_card does: YAML front matter with the model-index a Hub page shows,
// the results on the evaluation set, the training hyperparameters under transformers'
// names, the per-evaluation results table and the framework versions.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cuddle/error.h"

namespace cuddle::training {

struct TrainerCardInfo {
  std::string model_name;      // the "# title" and model-index name (run_*.py: output_dir's name)
  std::string base_model;      // Hub id fine-tuned from; empty: "trained from scratch"
  std::string dataset;         // Hub dataset id (tag and name); empty: "an unknown dataset"
  std::string dataset_config;  // the dataset's config name (model-index dataset args), optional
  std::string task;            // pipeline task, e.g. text-classification
  std::string license;         // e.g. apache-2.0; empty: no license key
  std::vector<std::string> language, tags;  // tags besides generated_from_trainer
  // trainer_state.json's log_history, in log order.
  nlohmann::ordered_json log_history = nlohmann::ordered_json::array();
  // TrainingArguments as JSON with transformers' names (learning_rate,
  // per_device_train_batch_size, seed, optim, adam_beta1, ...); absent keys take
  // transformers' defaults.
  nlohmann::ordered_json training_args = nlohmann::ordered_json::object();
  // Final evaluation metrics (eval_results.json: eval_loss, eval_accuracy, ...). Empty: the
  // last evaluation in log_history, as the Trainer reads it.
  nlohmann::ordered_json eval_metrics = nlohmann::ordered_json::object();
};

// The README.md text. Throws cuddle::Error when model_name is empty or the inputs are not
// JSON of the expected shapes.
std::string trainer_model_card(const TrainerCardInfo& info);

// Writes output_dir/README.md atomically; returns its path.
std::string write_trainer_model_card(const std::string& output_dir, const TrainerCardInfo& info);

}  // namespace cuddle::training
