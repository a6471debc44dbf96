// COCO box mAP with pycocotools' COCOeval semantics for the "all" area range and 100
// detections: greedy matching of score-sorted detections to the best unmatched ground truth
// at each IoU threshold, precision made monotone, then read at 101 recall points with a
// left search; AP is the mean over categories with ground truth, thresholds and points.
#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <optional>

#include "cuddle/metrics.h"

namespace cuddle::metrics {
namespace {

constexpr int kIouCount = 10;
constexpr int kRecallCount = 101;
constexpr size_t kMaxDetections = 100;

// np.linspace(start, stop, n): start + i * step, the last point exactly `stop`; thresholds
// are compared with >=, so their exact doubles matter.
template <size_t N>
std::array<double, N> linspace(double start, double stop) {
  std::array<double, N> v{};
  const double step = (stop - start) / static_cast<double>(N - 1);
  for (size_t i = 0; i < N; ++i) v[i] = start + static_cast<double>(i) * step;
  v[N - 1] = stop;
  return v;
}

// pycocotools works in xywh: widths and heights come from the corners, intersections and
// unions from those (no +1 pixel convention).
double iou(const Box& d, const Box& g) {
  const double dw = d.x2 - d.x1, dh = d.y2 - d.y1, gw = g.x2 - g.x1, gh = g.y2 - g.y1;
  const double w = std::min(d.x1 + dw, g.x1 + gw) - std::max(d.x1, g.x1);
  if (w <= 0) return 0;
  const double h = std::min(d.y1 + dh, g.y1 + gh) - std::max(d.y1, g.y1);
  if (h <= 0) return 0;
  const double inter = w * h;
  return inter / (dw * dh + gw * gh - inter);
}

// One category's detections over all images, in evaluation order, with whether each one
// matched at each threshold.
struct Evaluated {
  std::vector<double> scores;
  std::vector<std::array<bool, kIouCount>> matched;
  size_t ground_truth = 0;
};

void evaluate_image(std::vector<Box> dets, const std::vector<Box>& gts, const std::array<double, kIouCount>& thresholds,
                    Evaluated& out) {
  std::stable_sort(dets.begin(), dets.end(), [](const Box& a, const Box& b) { return a.score > b.score; });
  if (dets.size() > kMaxDetections) dets.resize(kMaxDetections);
  out.ground_truth += gts.size();
  std::vector<std::array<bool, kIouCount>> matched(dets.size());
  for (int t = 0; t < kIouCount; ++t) {
    std::vector<bool> gt_taken(gts.size(), false);
    for (size_t d = 0; d < dets.size(); ++d) {
      // The best still-unmatched ground truth with IoU >= the threshold; a later one with an
      // equal IoU wins, as in COCOeval.
      double best = std::min(thresholds[t], 1 - 1e-10);
      int match = -1;
      for (size_t g = 0; g < gts.size(); ++g) {
        if (gt_taken[g]) continue;
        const double o = iou(dets[d], gts[g]);
        if (o < best) continue;
        best = o;
        match = static_cast<int>(g);
      }
      matched[d][t] = match >= 0;
      if (match >= 0) gt_taken[static_cast<size_t>(match)] = true;
    }
  }
  for (size_t d = 0; d < dets.size(); ++d) {
    out.scores.push_back(dets[d].score);
    out.matched.push_back(matched[d]);
  }
}

// precision[t][r] of one category, or nothing when it has no ground truth (COCO's -1).
std::optional<std::array<std::array<double, kRecallCount>, kIouCount>> category_precision(
    const Evaluated& e, const std::array<double, kRecallCount>& recall_points) {
  if (e.ground_truth == 0) return std::nullopt;
  std::vector<size_t> order(e.scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return e.scores[a] > e.scores[b]; });
  std::array<std::array<double, kRecallCount>, kIouCount> out{};
  const double eps = 2.220446049250313e-16;  // np.spacing(1)
  for (int t = 0; t < kIouCount; ++t) {
    std::vector<double> recall, precision;
    double tp = 0, fp = 0;
    for (size_t i : order) {
      (e.matched[i][t] ? tp : fp) += 1;
      recall.push_back(tp / static_cast<double>(e.ground_truth));
      precision.push_back(tp / (tp + fp + eps));
    }
    for (size_t i = precision.size(); i-- > 1;) precision[i - 1] = std::max(precision[i - 1], precision[i]);
    for (int r = 0; r < kRecallCount; ++r) {
      const size_t k = static_cast<size_t>(std::lower_bound(recall.begin(), recall.end(), recall_points[r]) - recall.begin());
      out[t][r] = k < precision.size() ? precision[k] : 0.0;
    }
  }
  return out;
}

}  // namespace

DetectionScores mean_average_precision(const std::vector<std::vector<Box>>& predictions,
                                       const std::vector<std::vector<Box>>& references) {
  if (predictions.size() != references.size())
    throw Error("mean_average_precision: " + std::to_string(predictions.size()) + " predicted images but " +
                std::to_string(references.size()) + " reference images");
  const auto thresholds = linspace<kIouCount>(0.5, 0.95);
  const auto recall_points = linspace<kRecallCount>(0.0, 1.0);

  // Categories are those of the ground truth; detections of other labels are not scored.
  std::map<int64_t, Evaluated> per_category;
  for (const auto& image : references)
    for (const Box& g : image) per_category[g.label];
  for (auto& [label, evaluated] : per_category) {
    for (size_t i = 0; i < references.size(); ++i) {
      std::vector<Box> dets, gts;
      for (const Box& d : predictions[i])
        if (d.label == label) dets.push_back(d);
      for (const Box& g : references[i])
        if (g.label == label) gts.push_back(g);
      evaluate_image(std::move(dets), gts, thresholds, evaluated);
    }
  }

  // Means over every (category, threshold, recall point) cell that is defined.
  double sum_all = 0, sum_50 = 0, sum_75 = 0;
  size_t n_all = 0, n_single = 0;
  for (const auto& [label, evaluated] : per_category) {
    const auto p = category_precision(evaluated, recall_points);
    if (!p) continue;
    for (int t = 0; t < kIouCount; ++t)
      for (int r = 0; r < kRecallCount; ++r) sum_all += (*p)[t][r];
    for (int r = 0; r < kRecallCount; ++r) {
      sum_50 += (*p)[0][r];
      sum_75 += (*p)[5][r];
    }
    n_all += kIouCount * kRecallCount;
    n_single += kRecallCount;
  }
  DetectionScores s;
  if (n_all == 0) return s;
  s.map = sum_all / static_cast<double>(n_all);
  s.map_50 = sum_50 / static_cast<double>(n_single);
  s.map_75 = sum_75 / static_cast<double>(n_single);
  return s;
}

}  // namespace cuddle::metrics
