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

// The example scripts' train and evaluate steps, as do_train / do_eval ask: train, then
// save the model, the train metrics (with train_samples) and the state; evaluate and save
// the eval metrics (with eval_samples, and perplexity = exp(eval_loss) where the script
// reports it: run_mlm.py, run_clm.py). Each metrics block is also printed.
void train_and_evaluate(Trainer& trainer, const TrainingArguments& args, int64_t train_rows, int64_t eval_rows,
                        bool perplexity);

// The end of a run: after training, the Trainer's model card in output_dir (README.md;
// for an adapter, peft's library_name and the base model it applies to); then
// push_to_hub when asked.
void finish_run(Trainer& trainer, const TaskArguments& task, const TrainingArguments& args,
                const std::string& model_dir, bool adapter);

}  // namespace cuddle::training
