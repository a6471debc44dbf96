// A tqdm-style progress bar for training and evaluation loops: drawn in place on a
// terminal, a line per tenth of the work in logs (so CI output stays short).
#include <unistd.h>

#include <cmath>

#include "cuddle/tracking.h"

namespace cuddle::tracking {
namespace {

// tqdm's time format: mm:ss, or h:mm:ss from an hour on.
std::string clock_text(double seconds) {
  const long long s = static_cast<long long>(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 60, s % 60);
  return buf;
}

}  // namespace

std::string ProgressBar::format(const std::string& description, int64_t done, int64_t total, double elapsed_s,
                                const std::string& postfix) {
  constexpr int kWidth = 30;
  const double frac = total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 0.0;
  const int filled = static_cast<int>(frac * kWidth);
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  char head[64];
  std::snprintf(head, sizeof head, "%3.0f%%|", frac * 100);
  std::string text = (description.empty() ? "" : description + ": ") + head + std::string(filled, '#') +
                     std::string(kWidth - filled, ' ') + "| " + std::to_string(done) + "/" + std::to_string(total);
  // Remaining time from the average rate so far; unknown until something is done.
  const std::string eta = rate > 0 && total >= done ? clock_text(static_cast<double>(total - done) / rate) : "?";
  char rate_text[32];
  if (rate <= 0)
    std::snprintf(rate_text, sizeof rate_text, "?it/s");
  else if (rate >= 1)
    std::snprintf(rate_text, sizeof rate_text, "%.2fit/s", rate);
  else
    std::snprintf(rate_text, sizeof rate_text, "%.2fs/it", 1 / rate);
  text += " [" + clock_text(elapsed_s) + "<" + eta + ", " + rate_text + (postfix.empty() ? "" : ", " + postfix) + "]";
  return text;
}

ProgressBar::ProgressBar(int64_t total, std::string description, std::FILE* out, std::optional<bool> terminal)
    : total_(total),
      description_(std::move(description)),
      out_(out ? out : stderr),
      terminal_(terminal.value_or(::isatty(::fileno(out ? out : stderr)) == 1)),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { close(); }

void ProgressBar::update(int64_t n, const std::string& postfix) {
  if (closed_) return;
  done_ += n;
  if (!postfix.empty()) postfix_ = postfix;
  draw(false);
}

void ProgressBar::close() {
  if (closed_) return;
  draw(true);
  closed_ = true;
}

void ProgressBar::draw(bool last) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (terminal_) {
    if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(out_, "\r%s%s", format(description_, done_, total_, elapsed, postfix_).c_str(), last ? "\n" : "");
  } else {
    // A line each time another tenth of the total is done, and the final state.
    const int64_t tenth = total_ > 0 ? std::min<int64_t>(10, done_ * 10 / total_) : 0;
    if (!last && tenth <= last_tenth_) return;
    if (last && done_ == printed_) return;  // that state is already the last line
    last_tenth_ = tenth;
    printed_ = done_;
    std::fprintf(out_, "%s\n", format(description_, done_, total_, elapsed, postfix_).c_str());
  }
  std::fflush(out_);
}

}  // namespace cuddle::tracking
