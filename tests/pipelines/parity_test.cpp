// Every pipeline call recorded in the fixtures' reference.json (transformers 5.17) gives
// the same result in cuddle: labels, words, offsets and order equal, scores within 1e-5.
// As in the recording, the pipeline gets the model object of config.json's class.
#include <gtest/gtest.h>

#include <fstream>

#include "cuddle/pipeline.h"
#include "json_compare.h"
#include "test_util.h"

using namespace cuddle;

namespace {

PipelineOptions options_from(const nlohmann::json& kwargs) {
  PipelineOptions o;
  for (const auto& [k, v] : kwargs.items()) {
    if (k == "top_k") o.top_k = v.is_null() ? 0 : v.get<int>();
    else if (k == "aggregation_strategy") o.aggregation_strategy = v.get<std::string>();
    else if (k == "candidate_labels") o.candidate_labels = v.get<std::vector<std::string>>();
    else if (k == "multi_label") o.multi_label = v;
    else if (k == "hypothesis_template") o.hypothesis_template = v.get<std::string>();
    else ADD_FAILURE() << "kwarg not mapped: " << k;
  }
  return o;
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, EveryRecordedPipelineCall) {
  const std::string dir = test::fixture("models/" + GetParam());
  auto ref = nlohmann::json::parse(test::read_file(dir + "/reference.json"));
  std::shared_ptr<const PreTrainedModel> model = load_model_from_architectures(dir);
  auto tok = std::make_shared<const AutoTokenizer>(AutoTokenizer::from_pretrained(dir));
  size_t calls = 0;
  for (const auto& [task, recorded] : ref["pipelines"].items()) {
    for (const auto& call : recorded) {
      SCOPED_TRACE(task + " " + call["kwargs"].dump());
      PipelineOptions opts = options_from(call["kwargs"]);
      const auto& arg = call["args"][0];
      bool single = arg.is_string();
      std::vector<PipelineInput> inputs;
      for (const auto& t : single ? nlohmann::json::array({arg}) : arg) inputs.emplace_back(t.get<std::string>());
      PipelineOutput got = pipeline(task, model, tok, opts)(inputs);
      // transformers returns the single input's result for a string (text-classification
      // still wraps it in a list when top_k is not given).
      nlohmann::json want = call["output"];
      PipelineOutput mine = single ? got[0] : got;
      if (single && task == "text-classification" && !opts.top_k) mine = PipelineOutput::array({mine});
      EXPECT_EQ(test::json_diff(mine, want, 1e-5), "");
      // Batched runs give the same answers.
      opts.batch_size = 4;
      PipelineOutput batched = pipeline(task, model, tok, opts)(inputs);
      EXPECT_EQ(test::json_diff(batched, got, 1e-5), "") << "batch_size 4";
      ++calls;
    }
  }
  std::printf("%s: %zu recorded pipeline calls reproduced\n", GetParam().c_str(), calls);
  EXPECT_GT(calls, 0u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Parity,
                         ::testing::Values("bert-seqcls", "bert-mlm", "bert-ner", "roberta-nli", "distilbert-seqcls",
                                           "xlmr-base"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
