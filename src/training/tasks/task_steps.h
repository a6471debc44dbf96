// Steps every `cuddle train TASK` flow shares (run_task.cpp, text_generation.cpp): the data
// splits, the output_dir guard, the metrics printout and the model card.
#pragma once
#include <optional>
#include <string>

#include "cuddle/datasets.h"
#include "cuddle/train_tasks.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

struct Splits {
  std::optional<datasets::Dataset> train, eval, test;
};

// The data as the scripts take it: --dataset_name (a folder, file, glob or Hub repo: its
// train / validation / test splits) and / or one file per split, each read by
// load_dataset; train / test dropped unless do_train / do_predict; max_*_samples applied.
Splits load_splits(const TaskArguments& task, const TrainingArguments& args);

// The example scripts' guard: an output_dir with a previous run is not overwritten
// silently (unless overwrite_output_dir or resume_from_checkpoint).
void check_output_dir(const TrainingArguments& args);

// "***** split metrics *****" and one "  key = value" line each, on stdout.
void print_metrics(const std::string& split, const Metrics& m);

// The Trainer's model card in output_dir (README.md); for an adapter, peft's library_name
// and the base model it applies to.
void write_card(const Trainer& trainer, const TaskArguments& task, const TrainingArguments& args,
                const std::string& model_dir, bool adapter);

}  // namespace cuddle::training
