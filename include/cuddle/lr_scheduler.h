// Learning-rate schedules by transformers' lr_scheduler_type names (get_scheduler): each a
// factor of the initial lr as a function of the optimizer step, as torch's LambdaLR
// applies it (step 0 uses factor(0); step() advances after each optimizer step).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cuddle/optim.h"

namespace cuddle::training {

struct ScheduleOptions {
  std::string type = "linear";  // linear, cosine, cosine_with_restarts, polynomial, constant,
                                // constant_with_warmup, inverse_sqrt
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;       // needed by every type that decays to a horizon
  double num_cycles = -1;        // cosine: 0.5, cosine_with_restarts: 1 (when negative)
  double power = 1.0;            // polynomial
  double lr_end = 1e-7;          // polynomial
  int64_t timescale = 0;         // inverse_sqrt: warmup_steps, or 10000 without warmup
};

// transformers' TrainingArguments.get_warmup_steps: warmup_steps when positive, otherwise
// ceil(warmup_ratio * total_steps).
int64_t warmup_steps_for(int64_t warmup_steps, double warmup_ratio, int64_t total_steps);

class LRScheduler {
 public:
  // Records each group's lr as its initial_lr and applies factor(0). An unknown type is an
  // Error listing the known ones.
  LRScheduler(Optimizer& optimizer, const ScheduleOptions& options);
  // The multiplier of the initial lr at `step`.
  double factor(int64_t step) const;
  // Advances one step and sets every group's lr.
  void step();
  int64_t last_step() const { return step_; }
  std::vector<double> last_lr() const;
  // Restores the step count (from a checkpoint) and sets the lrs for it.
  void set_step(int64_t step);
  const ScheduleOptions& options() const { return options_; }

 private:
  void apply();
  Optimizer& optimizer_;
  ScheduleOptions options_;
  int64_t step_ = 0;
};

}  // namespace cuddle::training
