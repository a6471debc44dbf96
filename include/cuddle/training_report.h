// `cuddle report`: a self-contained HTML page of a training run (loss, learning-rate,
// grad-norm and evaluation-metric curves as inline SVG, and the final metrics), from the
// trainer_state.json the Trainer leaves in output_dir or in its checkpoints.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "cuddle/error.h"

namespace cuddle::training {

// output_dir/trainer_state.json when present, else the one of the checkpoint-<step> folder
// with the highest step. Throws cuddle::Error naming the folder when there is neither.
std::string find_trainer_state(const std::string& output_dir);

// The page for a trainer_state.json document. final_metrics is an object of name -> number
// (all_results.json); when it is empty the table shows the last evaluation and the training
// summary entries of log_history. Throws FormatError when log_history is missing.
std::string render_training_report(const nlohmann::json& trainer_state, const nlohmann::json& final_metrics,
                                   const std::string& title);

// Reads the run in output_dir (find_trainer_state, all_results.json when present) and writes
// output_dir/report.html atomically; returns its path.
std::string write_training_report(const std::string& output_dir);

}  // namespace cuddle::training
