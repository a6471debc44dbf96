#include "hub/progress.h"

#include <cstdio>

namespace cuddle::hub {

ProgressBar::ProgressBar(bool enabled, std::string label, uint64_t total, Unit unit)
    : enabled_(enabled), label_(std::move(label)), total_(total), unit_(unit) {}

ProgressBar::~ProgressBar() {
  if (!enabled_) return;
  draw(last_done_);
  std::fputc('\n', stderr);
}

void ProgressBar::update(uint64_t done) {
  last_done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done);
}

void ProgressBar::draw(uint64_t done) {
  const int width = 30;
  double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 0.0;
  if (frac > 1) frac = 1;
  int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), '-');
  if (unit_ == Unit::Files)
    std::fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu files", label_.c_str(), bar.c_str(), static_cast<int>(frac * 100),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_));
  else
    std::fprintf(stderr, "\r%s [%s] %3d%% %.1f/%.1f MB", label_.c_str(), bar.c_str(), static_cast<int>(frac * 100),
                 static_cast<double>(done) / 1e6, static_cast<double>(total_) / 1e6);
  std::fflush(stderr);
}

}  // namespace cuddle::hub
