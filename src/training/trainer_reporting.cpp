// Where the Trainer's log entries go: report_to's integrations and the console.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cuddle/error.h"
#include "cuddle/trainer.h"

namespace cuddle::training {

namespace fs = std::filesystem;

namespace {

// report_to "jsonl": every log entry as one line of output_dir/trainer_log.jsonl, appended
// and flushed as it happens so a crashed run keeps its history.
class JsonlReportCallback : public TrainerCallback {
 public:
  explicit JsonlReportCallback(std::string path) : path_(std::move(path)) {}
  std::string name() const override { return "JsonlReportCallback"; }
  void on_train_begin(const TrainingArguments& a, TrainerState&, TrainerControl&) override {
    fs::create_directories(a.output_dir);
  }
  void on_log(const TrainingArguments& a, TrainerState&, TrainerControl&, const Json& logs) override {
    fs::create_directories(a.output_dir);
    std::ofstream f(path_, std::ios::app);
    if (!(f << logs.dump() << '\n')) throw IoError(path_ + ": cannot append the training log");
  }

 private:
  std::string path_;
};

// The console: each log entry as a line on stderr (what transformers' PrinterCallback does
// without a terminal).
class ConsoleCallback : public TrainerCallback {
 public:
  std::string name() const override { return "PrinterCallback"; }
  void on_log(const TrainingArguments&, TrainerState&, TrainerControl&, const Json& logs) override {
    std::fprintf(stderr, "%s\n", logs.dump().c_str());
  }
};

}  // namespace

std::shared_ptr<TrainerCallback> make_report_callback(const std::string& name, const TrainingArguments& args) {
  if (name == "jsonl")
    return std::make_shared<JsonlReportCallback>((fs::path(args.output_dir) / "trainer_log.jsonl").string());
  throw Error("report_to \"" + name + "\" is not available (known: jsonl, none)");
}

std::shared_ptr<TrainerCallback> make_progress_callback() { return std::make_shared<ConsoleCallback>(); }

}  // namespace cuddle::training
