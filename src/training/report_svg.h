// Line charts as inline SVG for the training report: linear axes with "nice" ticks
// (1, 2, 5 x 10^k), tick labels, axis titles and a legend, no scripts or external files.
#pragma once
#include <string>
#include <vector>

namespace cuddle::training::report_detail {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string color;
  bool markers = false;  // dots on each point (sparse series such as evaluations)
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
};

// The <svg> element of one chart (width x height pixels).
std::string render_svg(const Chart& chart, int width = 540, int height = 320);

// Tick positions covering [lo, hi] with about `target` steps of 1, 2 or 5 x 10^k.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// A compact label for a tick or table value: plain for ordinary magnitudes, exponent
// notation for very small or large ones (learning rates read 2e-05, not 0.00002).
std::string format_number(double v);
// &, <, >, " escaped for HTML text and attributes.
std::string escape_html(const std::string& text);

}  // namespace cuddle::training::report_detail
