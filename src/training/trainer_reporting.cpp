// Where the Trainer's log entries go: report_to's integrations (cuddle/tracking.h) and the
// console progress.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unistd.h>

#include "cuddle/error.h"
#include "cuddle/tracking.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

// report_to "jsonl": every log entry as one line of output_dir/trainer_log.jsonl, appended
// as it happens so a crashed run keeps its history.
class JsonlReportCallback : public TrainerCallback {
 public:
  std::string name() const override { return "JsonlReportCallback"; }
  void on_log(const TrainingArguments& a, TrainerState&, TrainerControl&, const Json& logs) override {
    if (!logger_) logger_ = std::make_unique<tracking::JsonlLogger>((fs::path(a.output_dir) / "trainer_log.jsonl").string());
    logger_->log(nlohmann::ordered_json(logs));
  }

 private:
  std::unique_ptr<tracking::JsonlLogger> logger_;
};

// report_to "tensorboard": transformers' TensorBoardCallback, event files under
// output_dir/runs (its default logging_dir), train/ eval/ test/ scalars by step.
class TensorBoardCallback : public TrainerCallback {
 public:
  std::string name() const override { return "TensorBoardCallback"; }
  void on_log(const TrainingArguments& a, TrainerState& s, TrainerControl&, const Json& logs) override {
    if (!writer_) writer_ = std::make_unique<tracking::TensorBoardWriter>((fs::path(a.output_dir) / "runs").string());
    writer_->log(logs, s.global_step);
  }

 private:
  std::unique_ptr<tracking::TensorBoardWriter> writer_;
};

// The console, as transformers' ProgressCallback: a bar over the steps (redrawn on a
// terminal, a line every tenth otherwise) and each log entry printed as it comes.
class ProgressCallback : public TrainerCallback {
 public:
  std::string name() const override { return "ProgressCallback"; }
  void on_train_begin(const TrainingArguments&, TrainerState& s, TrainerControl&) override {
    bar_ = std::make_unique<tracking::ProgressBar>(s.max_steps, "train");
    shown_ = s.global_step;
    if (shown_ > 0) bar_->update(shown_);
  }
  void on_step_end(const TrainingArguments&, TrainerState& s, TrainerControl&) override {
    if (!bar_) return;
    bar_->update(s.global_step - shown_);
    shown_ = s.global_step;
  }
  void on_log(const TrainingArguments&, TrainerState&, TrainerControl&, const Json& logs) override {
    Json shown = logs;
    shown.erase("total_flos");
    // On a terminal the bar is on the current line; the entry goes on its own line.
    std::fprintf(stderr, "%s%s\n", bar_ && isatty(2) ? "\n" : "", shown.dump().c_str());
  }
  void on_train_end(const TrainingArguments&, TrainerState&, TrainerControl&) override {
    if (bar_) bar_->close();
    bar_.reset();
  }

 private:
  std::unique_ptr<tracking::ProgressBar> bar_;
  int64_t shown_ = 0;
};

}  // namespace

std::shared_ptr<TrainerCallback> make_report_callback(const std::string& name, const TrainingArguments&) {
  if (name == "jsonl") return std::make_shared<JsonlReportCallback>();
  if (name == "tensorboard") return std::make_shared<TensorBoardCallback>();
  throw Error("report_to \"" + name + "\" is not available (known: jsonl, tensorboard, all, none)");
}

std::shared_ptr<TrainerCallback> make_progress_callback() { return std::make_shared<ProgressCallback>(); }

}  // namespace cuddle::training
