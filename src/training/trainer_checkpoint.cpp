// Checkpoints as the Trainer lays them out (checkpoint-<step>/ with the model, its config
// and processing files, trainer_state.json, training_args.json, optimizer / scheduler /
// RNG state), written into a temporary folder renamed into place so a kill mid-save leaves
// the previous checkpoints intact; save_total_limit rotation that keeps the best; resume.
#include <algorithm>
#include <filesystem>

#include "cuddle/error.h"
#include "cuddle/random.h"
#include "cuddle/trainer.h"
#include "io/atomic_file.h"
#include "io/json_file.h"
#include "training/trainer_loop.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "checkpoint-";

// The step of a "checkpoint-<step>" folder name, or -1.
int64_t checkpoint_step(const std::string& name) {
  if (!name.starts_with(kPrefix)) return -1;
  const std::string digits = name.substr(std::string(kPrefix).size());
  if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoll(digits);
}

void write_json(const fs::path& path, const Json& j) { io::write_file_atomic(path.string(), j.dump(2) + "\n"); }

}  // namespace

std::string checkpoint_name(int64_t step) { return kPrefix + std::to_string(step); }

std::vector<std::string> sorted_checkpoints(const std::string& output_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(output_dir, ec)) return {};
  for (const auto& e : fs::directory_iterator(output_dir)) {
    if (!e.is_directory()) continue;
    const int64_t step = checkpoint_step(e.path().filename().string());
    if (step >= 0) found.emplace_back(step, e.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [step, path] : found) out.push_back(path);
  return out;
}

std::vector<std::string> checkpoints_in_deletion_order(const std::string& output_dir, const std::string& best) {
  std::vector<std::string> sorted = sorted_checkpoints(output_dir);
  if (best.empty()) return sorted;
  const std::string best_name = fs::path(best).filename().string();
  auto it = std::find_if(sorted.begin(), sorted.end(),
                         [&](const std::string& p) { return fs::path(p).filename() == best_name; });
  if (it == sorted.end()) return sorted;
  // The Trainer bubbles the best one up to the second-to-last place.
  for (size_t i = size_t(it - sorted.begin()); i + 2 < sorted.size(); ++i) std::swap(sorted[i], sorted[i + 1]);
  return sorted;
}

void Trainer::save_model(const std::string& dir) {
  const std::string out = dir.empty() ? args_.output_dir : dir;
  if (view_.save)
    view_.save(out);
  else
    save_pretrained(model_, out);
  if (!processing_dir_.empty()) copy_companion_files(processing_dir_, out);
  write_json(fs::path(out) / "training_args.json", args_.to_json());
}

void Trainer::save_state() const {
  fs::create_directories(args_.output_dir);
  state_.save((fs::path(args_.output_dir) / "trainer_state.json").string());
}

void Trainer::save_metrics(const std::string& split, const Metrics& metrics) const {
  fs::create_directories(args_.output_dir);
  write_json(fs::path(args_.output_dir) / (split + "_results.json"), Json(metrics));
  const fs::path all = fs::path(args_.output_dir) / "all_results.json";
  Json combined = fs::exists(all) ? io::read_json_file(all.string()) : Json::object();
  for (const auto& [k, v] : metrics) combined[k] = v;
  write_json(all, combined);
}

void Trainer::write_checkpoint(Loop& L, const fs::path& tmp) {
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  save_model(tmp.string());
  if (args_.save_strategy == "steps" || args_.save_strategy == "epoch") {
    if (state_.best_global_step) {
      const fs::path best = fs::path(args_.output_dir) / checkpoint_name(*state_.best_global_step);
      if (*state_.best_global_step == state_.global_step || fs::exists(best)) state_.best_model_checkpoint = best.string();
    }
  }
  if (!args_.save_only_model) {
    L.optimizer->save((tmp / "optimizer.safetensors").string());
    write_json(tmp / "scheduler.json", {{"last_step", L.scheduler->last_step()}, {"last_lr", L.scheduler->last_lr()}});
    const RandomState rng = random_state();
    write_json(tmp / "rng_state.json", {{"seed", rng.seed}, {"counter", rng.counter}});
  }
  Json stateful = Json::object();
  for (const auto& c : callbacks_)
    if (Json s = c->state(); !s.is_null()) stateful[c->name()] = s;
  stateful["TrainerControl"] = control_.to_json();
  state_.stateful_callbacks = stateful;
  state_.save((tmp / "trainer_state.json").string());
}

void Trainer::save_checkpoint(Loop& L) {
  const std::string name = checkpoint_name(state_.global_step);
  const fs::path final_dir = fs::path(args_.output_dir) / name;
  const fs::path tmp = fs::path(args_.output_dir) / ("." + name + ".tmp");
  try {
    write_checkpoint(L, tmp);
  } catch (...) {
    // A failed save (a full disk) leaves no half-written folder; earlier checkpoints are
    // untouched, since nothing was renamed yet.
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  // A checkpoint of the same step from an earlier run is replaced whole.
  if (fs::exists(final_dir)) fs::remove_all(final_dir);
  fs::rename(tmp, final_dir);
  push_checkpoint(final_dir.string());

  if (!args_.save_total_limit || *args_.save_total_limit <= 0) return;
  const auto order = checkpoints_in_deletion_order(args_.output_dir, state_.best_model_checkpoint);
  int64_t keep = *args_.save_total_limit;
  if (!state_.best_model_checkpoint.empty() && keep == 1 && !order.empty() &&
      fs::path(order.back()).filename() != fs::path(state_.best_model_checkpoint).filename())
    keep = 2;
  for (int64_t i = 0; i + keep < int64_t(order.size()); ++i) fs::remove_all(order[size_t(i)]);
}

std::string Trainer::resolve_checkpoint(const std::string& spec) const {
  if (spec.empty() || spec == "false" || spec == "False") return "";
  if (spec == "true" || spec == "True" || spec == "last") {
    const auto all = sorted_checkpoints(args_.output_dir);
    if (all.empty()) throw Error("resume_from_checkpoint: no checkpoint-* folder in " + args_.output_dir);
    return all.back();
  }
  if (!fs::is_directory(spec)) throw Error("resume_from_checkpoint: " + spec + " is not a folder");
  if (!fs::exists(fs::path(spec) / "trainer_state.json"))
    throw Error("resume_from_checkpoint: " + spec + " has no trainer_state.json (not a Trainer checkpoint)");
  return spec;
}

void Trainer::load_checkpoint_weights(const std::string& dir) {
  if (view_.load) return view_.load(dir);
  // A checkpoint of another architecture would fail the strict load with a list of keys;
  // the config says it first and plainly.
  const Json cfg = io::read_json_file((fs::path(dir) / "config.json").string());
  const std::string type = cfg.value("model_type", "");
  const auto arch = cfg.value("architectures", Json::array());
  if (type != model_.config().model_type || arch.empty() || arch[0] != model_.class_name())
    throw Error("resume_from_checkpoint: " + dir + " holds a " + (arch.empty() ? type : arch[0].get<std::string>()) +
                " (" + type + "), not this run's " + model_.class_name() + " (" + model_.config().model_type + ")");
  model_.load_weights(SafetensorsCheckpoint::open(dir));
}

void Trainer::load_checkpoint_state(const std::string& dir, Loop& L) {
  const fs::path d(dir);
  const TrainerState saved = TrainerState::load((d / "trainer_state.json").string());
  if (saved.train_batch_size != state_.train_batch_size)
    throw Error("resume_from_checkpoint: " + dir + " was trained with batch size " +
                std::to_string(saved.train_batch_size) + ", this run uses " + std::to_string(state_.train_batch_size));
  // The schedule of this run (max_steps, intervals) stays; the progress comes back.
  const TrainerState fresh = state_;
  state_ = saved;
  state_.max_steps = fresh.max_steps;
  state_.num_train_epochs = fresh.num_train_epochs;
  state_.logging_steps = fresh.logging_steps;
  state_.eval_steps = fresh.eval_steps;
  state_.save_steps = fresh.save_steps;
  for (const auto& c : callbacks_)
    if (saved.stateful_callbacks.contains(c->name())) c->load_state(saved.stateful_callbacks.at(c->name()));
  if (!fs::exists(d / "optimizer.safetensors"))
    throw Error("resume_from_checkpoint: " + dir + " has no optimizer state (saved with save_only_model?)");
  L.optimizer->load((d / "optimizer.safetensors").string());
  L.scheduler->set_step(io::read_json_file((d / "scheduler.json").string()).at("last_step").get<int64_t>());
  const Json rng = io::read_json_file((d / "rng_state.json").string());
  set_random_state({rng.at("seed").get<uint64_t>(), rng.at("counter").get<uint64_t>()});
}

void Trainer::load_best_model() {
  const std::string& best = state_.best_model_checkpoint;
  if (view_.load) return view_.load(best);
  if (!fs::exists(fs::path(best) / "model.safetensors") && !fs::exists(fs::path(best) / "model.safetensors.index.json"))
    throw Error("load_best_model_at_end: the best checkpoint " + best + " has no weights");
  model_.load_weights(SafetensorsCheckpoint::open(best));
}

}  // namespace cuddle::training
