#include "cuddle/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cuddle::training {

int64_t warmup_steps_for(int64_t warmup_steps, double warmup_ratio, int64_t total_steps) {
  if (warmup_steps > 0) return warmup_steps;
  return static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
}

namespace {
const char* kTypes = "linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup, inverse_sqrt";
}

LRScheduler::LRScheduler(Optimizer& optimizer, const ScheduleOptions& options)
    : optimizer_(optimizer), options_(options) {
  const std::string& t = options_.type;
  if (t != "linear" && t != "cosine" && t != "cosine_with_restarts" && t != "polynomial" && t != "constant" &&
      t != "constant_with_warmup" && t != "inverse_sqrt")
    throw Error("lr_scheduler_type \"" + t + "\" is not supported; known: " + kTypes);
  const bool needs_horizon = t == "linear" || t == "cosine" || t == "cosine_with_restarts" || t == "polynomial";
  if (needs_horizon && options_.total_steps <= 0)
    throw Error("lr_scheduler_type \"" + t + "\" needs the number of training steps, got " +
                std::to_string(options_.total_steps));
  if (options_.num_cycles < 0) options_.num_cycles = t == "cosine_with_restarts" ? 1.0 : 0.5;
  for (auto& g : optimizer_.param_groups()) g.initial_lr = g.lr;
  apply();
}

double LRScheduler::factor(int64_t step) const {
  const double s = static_cast<double>(step);
  const double w = static_cast<double>(options_.warmup_steps);
  const double T = static_cast<double>(options_.total_steps);
  const std::string& t = options_.type;
  if (t == "constant") return 1.0;
  if (step < options_.warmup_steps) return s / std::max(1.0, w);
  if (t == "constant_with_warmup") return 1.0;
  if (t == "linear") return std::max(0.0, (T - s) / std::max(1.0, T - w));
  if (t == "cosine" || t == "cosine_with_restarts") {
    const double progress = (s - w) / std::max(1.0, T - w);
    if (t == "cosine")
      return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * options_.num_cycles * 2.0 * progress)));
    if (progress >= 1.0) return 0.0;
    return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * std::fmod(options_.num_cycles * progress, 1.0))));
  }
  if (t == "polynomial") {
    // transformers divides by the first group's initial lr.
    const double lr_init = optimizer_.param_groups().empty() ? 1.0 : optimizer_.param_groups()[0].initial_lr;
    if (s > T) return options_.lr_end / lr_init;
    const double range = lr_init - options_.lr_end;
    const double remaining = 1.0 - (s - w) / (T - w);
    return (range * std::pow(remaining, options_.power) + options_.lr_end) / lr_init;
  }
  // inverse_sqrt
  const double timescale =
      static_cast<double>(options_.timescale > 0 ? options_.timescale : (options_.warmup_steps > 0 ? options_.warmup_steps : 10000));
  const double shift = timescale - w;
  return 1.0 / std::sqrt((s + shift) / timescale);
}

void LRScheduler::apply() {
  const double f = factor(step_);
  for (auto& g : optimizer_.param_groups()) g.lr = g.initial_lr * f;
}

void LRScheduler::step() {
  ++step_;
  apply();
}

void LRScheduler::set_step(int64_t step) {
  step_ = step;
  apply();
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> out;
  for (const auto& g : optimizer_.param_groups()) out.push_back(g.lr);
  return out;
}

}  // namespace cuddle::training
