// `cuddle report` on the vendored trainer_state.json of a real transformers run (langid-bert,
// 1248 steps, 6 evaluations): the page is self-contained, has one chart per curve with the
// logged points, and the final metrics.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "cuddle/training_report.h"
#include "test_util.h"
#include "training/report_svg.h"

namespace fs = std::filesystem;
using cuddle::test::TempDir;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A copy of the fixture run (output_dir with one checkpoint) in a writable folder.
std::string copy_run(const TempDir& dir) {
  const std::string run = dir / "langid-bert";
  fs::copy(cuddle::test::fixture("trainer_layout/langid-bert"), run, fs::copy_options::recursive);
  return run;
}

}  // namespace

TEST(TrainingReport, CliWritesSelfContainedPage) {
  TempDir dir;
  const std::string run = copy_run(dir);
  const auto r = cuddle::test::run_cli({"report", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, run + "/report.html\n");
  const std::string html = cuddle::test::read_file(run + "/report.html");
  // Loss (training + validation), learning rate, grad norm, eval accuracy.
  EXPECT_EQ(count(html, "<svg "), 4u);
  for (const char* title : {">Loss<", ">Learning rate<", ">Gradient norm (before clipping)<", ">Evaluation accuracy<",
                            ">training loss<", ">validation loss<"})
    EXPECT_NE(html.find(title), std::string::npos) << title;
  // 24 logging steps (50..1200) in the training-loss line, 6 evaluations as dots.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex("<polyline points=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1].str(), ","), 24u);
  EXPECT_EQ(count(html, "<circle"), 12u);  // validation loss and accuracy, 6 each
  EXPECT_NE(html.find("<title>step 1040: 0.991</title>"), std::string::npos);
  // Final metrics: the last evaluation (there is no all_results.json in a checkpoint copy).
  EXPECT_NE(html.find("<td>eval_accuracy</td><td class=\"num\">0.989</td>"), std::string::npos);
  EXPECT_NE(html.find("global_step 1248"), std::string::npos);
  // Nothing fetched from elsewhere.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);

  const auto j = cuddle::test::run_cli({"report", run, "--json"});
  EXPECT_EQ(nlohmann::json::parse(j.out)["report"], run + "/report.html");
}

TEST(TrainingReport, AllResultsAndNewestCheckpoint) {
  TempDir dir;
  const std::string run = copy_run(dir);
  EXPECT_EQ(cuddle::training::find_trainer_state(run), run + "/checkpoint-1248/trainer_state.json");
  // An older checkpoint does not win; a top-level trainer_state.json does.
  fs::create_directories(run + "/checkpoint-999");
  cuddle::test::write_file(run + "/checkpoint-999/trainer_state.json", R"({"log_history": []})");
  EXPECT_EQ(cuddle::training::find_trainer_state(run), run + "/checkpoint-1248/trainer_state.json");
  fs::copy_file(run + "/checkpoint-1248/trainer_state.json", run + "/trainer_state.json");
  EXPECT_EQ(cuddle::training::find_trainer_state(run), run + "/trainer_state.json");

  cuddle::test::write_file(run + "/all_results.json", R"({"epoch": 6.0, "eval_accuracy": 0.991, "train_loss": 0.31})");
  const std::string html = cuddle::test::read_file(cuddle::training::write_training_report(run));
  EXPECT_NE(html.find("<td>train_loss</td><td class=\"num\">0.31</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>eval_accuracy</td><td class=\"num\">0.991</td>"), std::string::npos);
  EXPECT_EQ(html.find("eval_runtime</td>"), std::string::npos);  // the table is all_results.json
}

TEST(TrainingReport, Errors) {
  TempDir dir;
  const auto r = cuddle::test::run_cli({"report", dir.path()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no trainer_state.json"), std::string::npos) << r.err;
  EXPECT_NE(cuddle::test::error_of([] { cuddle::training::render_training_report({{"global_step", 3}}, {}, "x"); })
                .find("log_history"),
            std::string::npos);
  // An empty history still renders a page that says so.
  const std::string empty = cuddle::training::render_training_report({{"log_history", nlohmann::json::array()}}, {}, "x");
  EXPECT_NE(empty.find("no logged values yet"), std::string::npos);
}

TEST(TrainingReport, NiceTicksAndNumbers) {
  namespace d = cuddle::training::report_detail;
  EXPECT_EQ(d::nice_ticks(50, 1248), (std::vector<double>{0, 500, 1000, 1500}));
  EXPECT_EQ(d::nice_ticks(0.8976, 0.991), (std::vector<double>{0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1.0}));
  EXPECT_EQ(d::nice_ticks(2, 2).size(), 5u);  // a flat line gets a band around it: 1.8 .. 2.2
  EXPECT_EQ(d::format_number(2e-05), "2e-05");
  EXPECT_EQ(d::format_number(0.06276006996631622), "0.06276");
  EXPECT_EQ(d::format_number(1248), "1248");
  EXPECT_EQ(d::escape_html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}
