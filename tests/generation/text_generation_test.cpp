// The text-generation pipeline against transformers 5.17's recorded call on gpt2-causal
// (reference.json: "Hello world", max_new_tokens 8, greedy), return_full_text off, the
// default length cut to the model's positions, and a model without a language head.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cuddle/pipeline.h"
#include "test_util.h"

using namespace cuddle;

namespace {

TEST(TextGenerationPipeline, RecordedCallMatchesTransformers) {
  const std::string dir = test::fixture("models/gpt2-causal");
  const auto ref = nlohmann::json::parse(test::read_file(dir + "/reference.json"));
  const auto& call = ref["pipelines"]["text-generation"][0];
  PipelineOptions o;
  o.max_new_tokens = call["kwargs"]["max_new_tokens"].get<int64_t>();
  o.do_sample = call["kwargs"]["do_sample"].get<bool>();
  Pipeline pipe = pipeline("text-generation", dir, o);
  const std::string prompt = call["args"][0];
  PipelineOutput out = pipe({prompt});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dump(), call["output"].dump());  // [{"generated_text": "Hello worldldebebebebebebeb"}]
  o.return_full_text = false;
  const std::string full = call["output"][0]["generated_text"];
  EXPECT_EQ(pipe({prompt, prompt}, o).dump(),
            PipelineOutput::array({PipelineOutput::array({{{"generated_text", full.substr(prompt.size())}}}),
                                   PipelineOutput::array({{{"generated_text", full.substr(prompt.size())}}})})
                .dump());
}

TEST(TextGenerationPipeline, DefaultLengthStopsAtTheLearnedPositions) {
  // 256 new tokens by default, cut to the 64 positions gpt2-causal has (eos 5 may end it
  // sooner): the output never errors and never exceeds them.
  Pipeline pipe = pipeline("text-generation", test::fixture("models/gpt2-causal"));
  PipelineOutput out = pipe({"Hello world"});
  EXPECT_GT(out[0][0]["generated_text"].get<std::string>().size(), std::string("Hello world").size());
}

TEST(TextGenerationPipeline, ModelsWithoutALanguageHeadAreRefused) {
  const std::string msg = test::error_of([&] { pipeline("text-generation", test::fixture("models/bert-seqcls")); });
  EXPECT_NE(msg.find("AutoModelForCausalLM"), std::string::npos) << msg;
}

}  // namespace
