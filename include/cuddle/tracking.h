// Experiment tracking for training runs: TensorBoard event files, a JSON Lines log and a
// terminal progress bar (the Trainer's report_to and its tqdm bar). docs/training.md.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cuddle/error.h"

namespace cuddle::tracking {

// ---- TensorBoard ------------------------------------------------------------------------

// Writes `events.out.tfevents.<10-digit unix time>.<host>.<pid>.<n>` in log_dir (created if
// missing), the name torch.utils.tensorboard gives its files: TFRecord records (length,
// masked CRC32C of the length, an Event protobuf, masked CRC32C of the data), the first one
// carrying file_version "brain.Event:2". Every event is flushed, so TensorBoard can read a
// run while it trains. Throws IoError naming the file when it cannot be created or written.
class TensorBoardWriter {
 public:
  explicit TensorBoardWriter(const std::string& log_dir);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  // One Event with one simple_value (a float, as TensorBoard stores scalars). wall_time is
  // seconds since the epoch; nullopt means now.
  void add_scalar(const std::string& tag, double value, int64_t step, std::optional<double> wall_time = {});
  // A Trainer log entry, as transformers' TensorBoardCallback writes it: every numeric value
  // becomes a scalar named eval/<name> for eval_<name>, test/<name> for test_<name> and
  // train/<name> otherwise; strings and other values are skipped.
  void log(const nlohmann::json& logs, int64_t step);
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);
  std::string path_;
  std::FILE* file_ = nullptr;
};

// The masked CRC32C of TFRecord framing: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t masked_crc32c(const void* data, size_t size);

// ---- JSON Lines (report_to "jsonl") -----------------------------------------------------

// Appends one JSON object per line to `path` (parent folders created). Each line goes out
// in one write() on an O_APPEND descriptor, so a reader (or a crash) never sees half a line
// between whole ones.
class JsonlLogger {
 public:
  explicit JsonlLogger(std::string path);
  ~JsonlLogger();
  JsonlLogger(const JsonlLogger&) = delete;
  JsonlLogger& operator=(const JsonlLogger&) = delete;
  void log(const nlohmann::ordered_json& entry);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// ---- progress ---------------------------------------------------------------------------

// tqdm's bar: "desc:  45%|#####      | 450/1000 [00:10<00:12, 43.21it/s, loss=0.12]",
// redrawn in place (at most 10 times a second) when the output is a terminal; otherwise the
// same text as a plain line at every tenth of the total and at close().
class ProgressBar {
 public:
  // `out` defaults to stderr; `terminal` defaults to isatty() of `out`.
  ProgressBar(int64_t total, std::string description, std::FILE* out = nullptr, std::optional<bool> terminal = {});
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  // Advances by n; postfix (e.g. "loss=0.1234") replaces the previous one.
  void update(int64_t n = 1, const std::string& postfix = "");
  // Draws the final state and ends the line; later calls do nothing.
  void close();

  // The text of one bar (no carriage return): exposed so the format is testable.
  static std::string format(const std::string& description, int64_t done, int64_t total, double elapsed_s,
                            const std::string& postfix);

 private:
  void draw(bool last);
  int64_t total_, done_ = 0;
  std::string description_, postfix_;
  std::FILE* out_;
  bool terminal_, closed_ = false;
  int64_t last_tenth_ = 0, printed_ = -1;  // log lines: last tenth and count printed
  std::chrono::steady_clock::time_point start_, last_draw_{};
};

}  // namespace cuddle::tracking
