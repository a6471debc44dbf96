// push_to_hub as the Trainer does it: the repo is hub_model_id (or output_dir's name),
// created if missing; with hub_strategy every_save / checkpoint / all_checkpoints each save
// also pushes (the model files at the root, plus "last-checkpoint/" or the checkpoint
// folder itself), and the end of training pushes output_dir without its checkpoints.
#include <filesystem>

#include "cuddle/error.h"
#include "cuddle/hub.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

hub::HubConfig hub_config(const TrainingArguments& args) {
  hub::HubConfig cfg = hub::HubConfig::from_env();
  if (!args.hub_token.empty()) cfg.token = args.hub_token;
  return cfg;
}

// What a model folder's root holds, without checkpoints, logs or temporary folders.
const std::vector<std::string> kIgnored = {"checkpoint-*", "checkpoint-*/*", ".*", "_*", "runs/*", "*.tmp/*"};

}  // namespace

std::string Trainer::hub_repo_id() const {
  if (!args_.hub_model_id.empty()) return args_.hub_model_id;
  return fs::path(args_.output_dir).lexically_normal().filename().string();
}

void Trainer::push_checkpoint(const std::string& checkpoint_dir) {
  if (!args_.push_to_hub || args_.hub_strategy == "end") return;
  const hub::HubConfig cfg = hub_config(args_);
  hub::create_repo(cfg, hub_repo_id(), args_.hub_private_repo);
  hub::UploadFolderOptions opts;
  opts.message = "Training in progress, step " + std::to_string(state_.global_step);
  // The model files go to the root, so the repo always holds the latest model.
  opts.ignore_patterns = {"optimizer.safetensors", "scheduler.json", "rng_state.json", "trainer_state.json"};
  hub::upload_folder(cfg, hub_repo_id(), checkpoint_dir, opts);
  if (args_.hub_strategy == "checkpoint" || args_.hub_strategy == "all_checkpoints") {
    hub::UploadFolderOptions whole;
    whole.message = opts.message;
    whole.path_in_repo = args_.hub_strategy == "checkpoint" ? "last-checkpoint"
                                                            : fs::path(checkpoint_dir).filename().string();
    hub::upload_folder(cfg, hub_repo_id(), checkpoint_dir, whole);
  }
}

std::string Trainer::push_to_hub(const std::string& commit_message) {
  save_model();
  const hub::HubConfig cfg = hub_config(args_);
  hub::create_repo(cfg, hub_repo_id(), args_.hub_private_repo);
  hub::UploadFolderOptions opts;
  opts.message = commit_message;
  opts.ignore_patterns = kIgnored;
  return hub::upload_folder(cfg, hub_repo_id(), args_.output_dir, opts).oid;
}

}  // namespace cuddle::training
