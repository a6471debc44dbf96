// What the training loop carries between steps (optimizer, schedule, loss accumulators);
// internal to src/training.
#pragma once
#include <memory>

#include "cuddle/lr_scheduler.h"
#include "cuddle/optim.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

struct Trainer::Loop {
  std::vector<Parameter> params;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LRScheduler> scheduler;
  int64_t updates_per_epoch = 1;
  int64_t num_epochs = 1;
  double flops_params = 0;
  double tr_loss = 0;      // summed since the last log
  double total_loss = 0;   // summed since the start (or the resume)
  int64_t last_logged = 0;
  double grad_norm = 0;    // of the last update, before clipping
  double learning_rate = 0;  // the lr the last update used
};

// transformers' speed_metrics: <split>_runtime rounded to 4 decimals, the rates to 3.
void add_speed_metrics(Metrics& m, const std::string& split, double runtime, double samples, int64_t steps);

}  // namespace cuddle::training
