// The HTML training report: curves from trainer_state.json's log_history (training entries
// at logging steps, eval_* entries at evaluations) and the final metrics table.
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "cuddle/training_report.h"
#include "io/atomic_file.h"
#include "io/json_file.h"
#include "training/report_svg.h"

namespace cuddle::training {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using report_detail::Chart;
using report_detail::escape_html;
using report_detail::format_number;
using report_detail::Series;

// Entries that describe the run rather than a curve: the end-of-training summary and the
// evaluation speed. They go to the table, not to charts.
bool is_summary_key(const std::string& key) {
  static const std::set<std::string> keys = {"step", "epoch", "train_runtime", "train_samples_per_second",
                                             "train_steps_per_second", "total_flos", "train_loss",
                                             "eval_runtime", "eval_samples_per_second", "eval_steps_per_second"};
  return keys.count(key) > 0;
}

// name -> (steps, values) in log order.
std::map<std::string, Series> collect_series(const Json& log_history) {
  std::map<std::string, Series> out;
  for (const auto& entry : log_history) {
    if (!entry.is_object() || !entry.contains("step") || !entry["step"].is_number()) continue;
    const double step = entry["step"].get<double>();
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      if (is_summary_key(it.key()) || !it.value().is_number()) continue;
      Series& s = out[it.key()];
      s.name = it.key();
      s.x.push_back(step);
      s.y.push_back(it.value().get<double>());
    }
  }
  return out;
}

std::vector<Chart> build_charts(std::map<std::string, Series> series) {
  std::vector<Chart> charts;
  auto take = [&](const std::string& key, const std::string& name, const std::string& color, bool markers) {
    auto it = series.find(key);
    if (it == series.end()) return std::optional<Series>();
    Series s = std::move(it->second);
    series.erase(it);
    s.name = name, s.color = color, s.markers = markers;
    return std::optional<Series>(std::move(s));
  };
  Chart loss{"Loss", "step", "loss", {}};
  if (auto s = take("loss", "training loss", "#1f77b4", false)) loss.series.push_back(*s);
  if (auto s = take("eval_loss", "validation loss", "#d62728", true)) loss.series.push_back(*s);
  if (!loss.series.empty()) charts.push_back(loss);
  if (auto s = take("learning_rate", "learning rate", "#2ca02c", false))
    charts.push_back({"Learning rate", "step", "learning rate", {*s}});
  if (auto s = take("grad_norm", "gradient norm", "#9467bd", false))
    charts.push_back({"Gradient norm (before clipping)", "step", "grad_norm", {*s}});
  // Every other metric, evaluation metrics first (eval_accuracy, eval_f1, ...).
  for (const bool eval : {true, false})
    for (auto& [key, s] : series) {
      if ((key.rfind("eval_", 0) == 0) != eval) continue;
      const std::string name = eval ? key.substr(5) : key;
      s.name = name, s.color = "#ff7f0e", s.markers = eval || s.x.size() < 30;
      charts.push_back({eval ? "Evaluation " + name : name, "step", name, {s}});
    }
  return charts;
}

// The final metrics: all_results.json when given, else the last evaluation and the training
// summary from log_history.
std::vector<std::pair<std::string, Json>> final_rows(const Json& log_history, const Json& final_metrics) {
  std::vector<std::pair<std::string, Json>> rows;
  if (final_metrics.is_object() && !final_metrics.empty()) {
    for (auto it = final_metrics.begin(); it != final_metrics.end(); ++it) rows.emplace_back(it.key(), it.value());
    return rows;
  }
  const Json* last_eval = nullptr;
  const Json* summary = nullptr;
  for (const auto& e : log_history) {
    if (!e.is_object()) continue;
    for (auto it = e.begin(); it != e.end(); ++it)
      if (it.key().rfind("eval_", 0) == 0) last_eval = &e;
    if (e.contains("train_runtime")) summary = &e;
  }
  for (const Json* e : {last_eval, summary})
    if (e)
      for (auto it = e->begin(); it != e->end(); ++it)
        if (it.key() != "step") rows.emplace_back(it.key(), it.value());
  return rows;
}

std::string cell(const Json& v) {
  if (v.is_number_float()) return format_number(v.get<double>());
  if (v.is_string()) return escape_html(v.get<std::string>());
  return escape_html(v.dump());
}

const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px 32px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.sub { color: #666; font-size: 13px; margin-bottom: 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; border-radius: 6px; padding: 4px; background: #fafafa; }
svg .title { font-size: 14px; font-weight: 600; fill: #222; }
svg .tick { font-size: 11px; fill: #555; } svg .axis { font-size: 12px; fill: #333; } svg .legend { font-size: 12px; fill: #333; }
svg .grid { stroke: #e4e4e4; stroke-width: 1; } svg .frame { fill: none; stroke: #999; stroke-width: 1; }
table { border-collapse: collapse; font-size: 14px; } td, th { border-bottom: 1px solid #e4e4e4; padding: 5px 14px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f2f2f2; }
)";

}  // namespace

std::string find_trainer_state(const std::string& output_dir) {
  if (!fs::is_directory(output_dir)) throw Error(output_dir + ": not a folder (expected a Trainer output_dir)");
  const fs::path direct = fs::path(output_dir) / "trainer_state.json";
  if (fs::is_regular_file(direct)) return direct.string();
  // The newest checkpoint is the one with the highest step, as the Trainer numbers them.
  long long best_step = -1;
  fs::path best;
  for (const auto& entry : fs::directory_iterator(output_dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind("checkpoint-", 0) != 0) continue;
    const std::string digits = name.substr(11);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long long step = std::stoll(digits);
    if (step > best_step && fs::is_regular_file(entry.path() / "trainer_state.json")) {
      best_step = step;
      best = entry.path() / "trainer_state.json";
    }
  }
  if (best_step < 0)
    throw Error(output_dir + ": no trainer_state.json, neither in the folder nor in a checkpoint-<step> folder");
  return best.string();
}

std::string render_training_report(const Json& state, const Json& final_metrics, const std::string& title) {
  if (!state.is_object() || !state.contains("log_history") || !state["log_history"].is_array())
    throw FormatError("trainer_state.json: no \"log_history\" list");
  const Json& history = state["log_history"];

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                     escape_html(title) + " - training report</title>\n<style>" + kStyle + "</style></head><body>\n";
  html += "<h1>" + escape_html(title) + "</h1>\n<div class=\"sub\">";
  std::vector<std::string> facts;
  for (const char* key : {"global_step", "max_steps", "epoch", "num_train_epochs", "train_batch_size", "logging_steps",
                          "eval_steps", "best_metric", "best_model_checkpoint"})
    if (state.contains(key) && !state[key].is_null()) facts.push_back(std::string(key) + " " + cell(state[key]));
  for (size_t i = 0; i < facts.size(); ++i) html += (i ? " &middot; " : "") + facts[i];
  html += "</div>\n";

  const std::vector<Chart> charts = build_charts(collect_series(history));
  html += "<h2>Curves</h2>\n<div class=\"charts\">\n";
  if (charts.empty()) html += "<p>log_history has no logged values yet.</p>\n";
  for (const Chart& c : charts) html += "<div class=\"chart\">" + report_detail::render_svg(c) + "</div>\n";
  html += "</div>\n";

  const auto rows = final_rows(history, final_metrics);
  html += "<h2>Final metrics</h2>\n";
  if (rows.empty()) {
    html += "<p>No evaluation or training summary recorded.</p>\n";
  } else {
    html += "<table><tr><th>metric</th><th>value</th></tr>\n";
    for (const auto& [key, value] : rows)
      html += "<tr><td>" + escape_html(key) + "</td><td class=\"num\">" + cell(value) + "</td></tr>\n";
    html += "</table>\n";
  }
  html += "</body></html>\n";
  return html;
}

std::string write_training_report(const std::string& output_dir) {
  const std::string state_path = find_trainer_state(output_dir);
  const Json state = io::read_json_file(state_path);
  const fs::path results = fs::path(output_dir) / "all_results.json";
  const Json final_metrics = fs::is_regular_file(results) ? io::read_json_file(results.string()) : Json::object();
  std::string title = fs::path(output_dir).lexically_normal().filename().string();
  if (title.empty()) title = fs::path(output_dir).lexically_normal().parent_path().filename().string();
  const std::string out = (fs::path(output_dir) / "report.html").string();
  io::write_file_atomic(out, render_training_report(state, final_metrics, title));
  return out;
}

}  // namespace cuddle::training
