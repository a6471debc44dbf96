// digits-vit and digits-resnet (small classifiers trained on scikit-learn's digits) quantized
// while loading, through the image-classification pipeline on all 300 held-out images:
// int8 and nf4 accuracy within 0.5 points of f32 (transformers' recorded accuracy). Prints
// the accuracies and how many predictions equal f32's.
#include <gtest/gtest.h>

#include <fstream>

#include "cuddle/pipeline.h"
#include "cuddle/quant.h"
#include "test_util.h"

using namespace cuddle;

namespace {
class QuantDigits : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantDigits, AccuracyWithinHalfAPointOfF32) {
  const std::string model = test::fixture("real/models/" + GetParam());
  const std::string images = test::fixture("real/data/digits_test");
  const auto metrics = nlohmann::json::parse(test::read_file(model + "/heldout_metrics.json"));
  std::vector<PipelineInput> inputs;
  std::vector<std::string> files, truth;
  std::ifstream labels(images + "/labels.jsonl");
  for (std::string line; std::getline(labels, line);) {
    if (line.empty()) continue;
    const auto row = nlohmann::json::parse(line);
    files.push_back(row["file"]);
    truth.push_back(row["label"]);
    inputs.emplace_back(images + "/" + files.back());
  }
  ASSERT_EQ(inputs.size(), 300u);
  const double f32_accuracy = metrics["accuracy"].get<double>() * 100.0;
  for (const std::string mode : {"int8", "nf4"}) {
    quant::BitsAndBytesConfig config;
    config.load_in_8bit = mode == "int8";
    config.load_in_4bit = mode == "nf4";
    config.bnb_4bit_quant_type = "nf4";
    config.bnb_4bit_use_double_quant = true;
    PipelineOptions opts;
    opts.top_k = 1;
    opts.batch_size = 32;
    opts.load_model = [&](const std::string& dir, ModelTask task) { return quant::load_quantized_model(dir, task, config); };
    const PipelineOutput out = pipeline("image-classification", model, opts)(inputs);
    size_t correct = 0, same = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string label = out[i][0]["label"];
      correct += label == truth[i];
      same += label == metrics["predictions"][files[i]][0].get<std::string>();
    }
    const double accuracy = 100.0 * double(correct) / 300.0;
    std::printf("%s %s: accuracy %.2f%% (f32 %.2f%%), %zu/300 predictions as f32\n", GetParam().c_str(), mode.c_str(),
                accuracy, f32_accuracy, same);
    EXPECT_LE(std::fabs(accuracy - f32_accuracy), 0.5) << mode;
  }
}

INSTANTIATE_TEST_SUITE_P(RealModels, QuantDigits, ::testing::Values("digits-resnet", "digits-vit"),
                         [](const auto& info) { return info.param == "digits-vit" ? "vit" : "resnet"; });
}  // namespace
