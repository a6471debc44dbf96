// report_to "jsonl": every Trainer log entry as one JSON object per line.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cuddle/tracking.h"
#include "io/atomic_file.h"

namespace cuddle::tracking {

JsonlLogger::JsonlLogger(std::string path) : path_(std::move(path)) {
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw IoError(parent.string() + ": cannot create the folder for the log: " + ec.message());
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(path_ + ": cannot open the log for appending: " + std::strerror(errno));
}

JsonlLogger::~JsonlLogger() {
  if (fd_ >= 0) ::close(fd_);
}

void JsonlLogger::log(const nlohmann::ordered_json& entry) {
  if (!entry.is_object()) throw Error(path_ + ": a log entry must be a JSON object, got " + entry.dump());
  // NaN and inf are not JSON; nlohmann writes them as null, which readers accept.
  const std::string line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // One write() per line (short writes only happen when the disk fills): with O_APPEND the
  // kernel places it whole at the end of the file.
  io::write_all(fd_, line.data(), line.size(), path_);
}

}  // namespace cuddle::tracking
