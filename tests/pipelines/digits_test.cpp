// digits-resnet and digits-vit, two small classifiers trained on real data (scikit-learn's
// digits as 32x32 PNGs): through the image-classification pipeline (PNG decoding, the
// ViT image processor, the model, post-processing), cuddle gives transformers' prediction
// on all 300 held-out images, with its score within 1e-4 (ViT) / 1e-3 (ResNet). Prints the
// accuracy and the largest score difference.
//
// Why ResNet's bound is looser: the recorded scores came from the training run (torch
// 2.11+cu130), whose convolutions ran on the GPU, where cuDNN uses TF32 by default; the
// all-convolution ResNet's scores differ from cuddle's by up to 5e-4 while the ViT's (one
// convolution) agree to 2e-6. The same ResNet code matches transformers on the CPU
// within 1e-7 (resnet-imgcls, tests/models/resnet_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "cuddle/pipeline.h"
#include "test_util.h"

using namespace cuddle;

namespace {

class Digits : public ::testing::TestWithParam<std::string> {};

double score_bound(const std::string& model) { return model == "digits-resnet" ? 1e-3 : 1e-4; }

TEST_P(Digits, TransformersPredictionOnAllHeldOutImages) {
  const std::string model = test::fixture("real/models/" + GetParam());
  const std::string images = test::fixture("real/data/digits_test");
  auto metrics = nlohmann::json::parse(test::read_file(model + "/heldout_metrics.json"));
  std::vector<PipelineInput> inputs;
  std::vector<std::string> files, truth;
  std::ifstream labels(images + "/labels.jsonl");
  for (std::string line; std::getline(labels, line);) {
    if (line.empty()) continue;
    auto row = nlohmann::json::parse(line);
    files.push_back(row["file"]);
    truth.push_back(row["label"]);
    inputs.emplace_back(images + "/" + files.back());
  }
  ASSERT_EQ(inputs.size(), 300u);
  PipelineOptions opts;
  opts.top_k = 1;
  opts.batch_size = 32;
  PipelineOutput out = pipeline("image-classification", model, opts)(inputs);
  size_t same = 0, correct = 0;
  double max_diff = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& want = metrics["predictions"][files[i]];
    const std::string label = out[i][0]["label"];
    correct += label == truth[i];
    if (label != want[0]) {
      ADD_FAILURE() << files[i] << ": " << label << " vs transformers " << want[0];
      continue;
    }
    ++same;
    max_diff = std::max(max_diff, std::fabs(out[i][0]["score"].get<double>() - want[1].get<double>()));
  }
  EXPECT_LT(max_diff, score_bound(GetParam()));
  std::printf("%s: %zu/300 as transformers, accuracy %.4f (transformers %.4f), max score diff %.2g\n",
              GetParam().c_str(), same, correct / 300.0, metrics["accuracy"].get<double>(), max_diff);
}

INSTANTIATE_TEST_SUITE_P(RealModels, Digits, ::testing::Values("digits-resnet", "digits-vit"),
                         [](const auto& info) { return info.param == "digits-vit" ? "vit" : "resnet"; });

}  // namespace
