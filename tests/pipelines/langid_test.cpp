// langid-bert, a real 12-language classifier, through the text-classification pipeline:
// on all 1500 held-out texts (raw text in, so tokenizer + model + post-processing) cuddle
// gives transformers' label, with its score within 1e-4. Prints the accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "cuddle/pipeline.h"
#include "test_util.h"

using namespace cuddle;

TEST(LangIdPipeline, TransformersLabelOnAllHeldOutTexts) {
  const std::string dir = test::fixture("real/models/langid-bert");
  std::vector<PipelineInput> texts;
  std::vector<nlohmann::json> rows;
  std::ifstream in(dir + "/heldout.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) {
      rows.push_back(nlohmann::json::parse(line));
      texts.emplace_back(rows.back()["text"].get<std::string>());
    }
  ASSERT_EQ(rows.size(), 1500u);
  PipelineOptions opts;
  opts.batch_size = 32;
  PipelineOutput out = pipeline("text-classification", dir, opts)(texts);
  size_t same = 0, correct = 0;
  double max_diff = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string label = out[i]["label"];
    same += label == rows[i]["pred"];
    correct += label == rows[i]["label"];
    if (label == rows[i]["pred"])
      max_diff = std::max(max_diff, std::fabs(out[i]["score"].get<double>() - rows[i]["score"].get<double>()));
    else
      ADD_FAILURE() << "text " << i << ": " << label << " vs transformers " << rows[i]["pred"];
  }
  std::printf("langid-bert: %zu/1500 as transformers, accuracy %.4f (transformers 0.9813), max score diff %.2g\n",
              same, correct / 1500.0, max_diff);
  EXPECT_EQ(same, rows.size());
  EXPECT_LT(max_diff, 1e-4);
}
