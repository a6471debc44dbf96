#include "training/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace cuddle::training::report_detail {
namespace {

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) {  // one value (or none): a unit band around it
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  // Multiples of the step from the one at or below lo to the first at or above hi (by
  // index, so rounding does not accumulate).
  const double first = std::floor(lo / step) * step;
  for (int i = 0;; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::string format_number(double v) {
  char buf[32];
  const double a = std::abs(v);
  if (v == 0)
    return "0";
  else if (a < 1e-3 || a >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string render_svg(const Chart& chart, int width, int height) {
  // Plot area inside margins for the title, tick labels and axis titles.
  const double left = 72, right = 16, top = 34, bottom = 48;
  const double pw = width - left - right, ph = height - top - bottom;
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  for (const auto& s : chart.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
    }
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  // The y axis spans whole ticks; the x axis ends at the last step so the curves use the
  // full width (a run of 1592 steps would otherwise leave a fifth of the chart empty).
  std::vector<double> xt = nice_ticks(xmin, xmax);
  const std::vector<double> yt = nice_ticks(ymin, ymax);
  const double x0 = xt.front(), x1 = xmax > x0 ? xmax : xt.back(), y0 = yt.front(), y1 = yt.back();
  std::erase_if(xt, [&](double t) { return t > x1 + (x1 - x0) * 1e-9; });
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + ph - (y - y0) / (y1 - y0) * ph; };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"" + escape_html(chart.title) + "\">\n";
  svg += "<text x=\"" + fixed(left) + "\" y=\"20\" class=\"title\">" + escape_html(chart.title) + "</text>\n";
  // Grid lines and tick labels.
  for (double t : yt) {
    const std::string y = fixed(py(t));
    svg += "<line x1=\"" + fixed(left) + "\" x2=\"" + fixed(left + pw) + "\" y1=\"" + y + "\" y2=\"" + y +
           "\" class=\"grid\"/><text x=\"" + fixed(left - 6) + "\" y=\"" + y +
           "\" class=\"tick\" text-anchor=\"end\" dominant-baseline=\"middle\">" + format_number(t) + "</text>\n";
  }
  for (double t : xt) {
    const std::string x = fixed(px(t));
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + fixed(top) + "\" y2=\"" + fixed(top + ph) +
           "\" class=\"grid\"/><text x=\"" + x + "\" y=\"" + fixed(top + ph + 16) +
           "\" class=\"tick\" text-anchor=\"middle\">" + format_number(t) + "</text>\n";
  }
  svg += "<rect x=\"" + fixed(left) + "\" y=\"" + fixed(top) + "\" width=\"" + fixed(pw) + "\" height=\"" + fixed(ph) +
         "\" class=\"frame\"/>\n";
  svg += "<text x=\"" + fixed(left + pw / 2) + "\" y=\"" + fixed(height - 8.0) +
         "\" class=\"axis\" text-anchor=\"middle\">" + escape_html(chart.x_label) + "</text>\n";
  svg += "<text transform=\"translate(16 " + fixed(top + ph / 2) + ") rotate(-90)\" class=\"axis\" text-anchor=\"middle\">" +
         escape_html(chart.y_label) + "</text>\n";
  // Data, then a legend in the top-right corner when there is more than one series.
  for (const auto& s : chart.series) {
    std::string points;
    for (size_t i = 0; i < s.x.size(); ++i) points += fixed(px(s.x[i])) + "," + fixed(py(s.y[i])) + " ";
    svg += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\"/>\n";
    if (s.markers)
      for (size_t i = 0; i < s.x.size(); ++i)
        svg += "<circle cx=\"" + fixed(px(s.x[i])) + "\" cy=\"" + fixed(py(s.y[i])) + "\" r=\"3.5\" fill=\"" + s.color +
               "\"><title>step " + format_number(s.x[i]) + ": " + format_number(s.y[i]) + "</title></circle>\n";
  }
  if (chart.series.size() > 1)
    for (size_t i = 0; i < chart.series.size(); ++i) {
      const double ly = top + 14 + 18.0 * static_cast<double>(i), lx = left + pw - 150;
      svg += "<line x1=\"" + fixed(lx) + "\" x2=\"" + fixed(lx + 20) + "\" y1=\"" + fixed(ly) + "\" y2=\"" + fixed(ly) +
             "\" stroke=\"" + chart.series[i].color + "\" stroke-width=\"3\"/><text x=\"" + fixed(lx + 26) + "\" y=\"" +
             fixed(ly) + "\" class=\"legend\" dominant-baseline=\"middle\">" + escape_html(chart.series[i].name) +
             "</text>\n";
    }
  svg += "</svg>";
  return svg;
}

}  // namespace cuddle::training::report_detail
