// A one-line progress bar on stderr, drawn only when the config asks for it (stderr is a
// terminal) and throttled so it costs nothing on fast transfers.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace cuddle::hub {

class ProgressBar {
 public:
  enum class Unit { Bytes, Files };
  ProgressBar(bool enabled, std::string label, uint64_t total, Unit unit = Unit::Bytes);
  ~ProgressBar();
  void update(uint64_t done);

 private:
  void draw(uint64_t done);
  bool enabled_;
  std::string label_;
  uint64_t total_;
  Unit unit_;
  uint64_t last_done_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace cuddle::hub
