// docs/pipelines.md, "C++ API": the other text tasks. Usage: pipeline_tasks FIXTURES_DIR
// (tests/fixtures: bert-ner, roberta-nli, xlmr-base).
#include <cuddle/pipeline.h>

#include <iostream>

int main(int argc, char** argv) {
  std::string fixtures = argc > 1 ? argv[1] : "tests/fixtures";
  try {
    cuddle::PipelineOptions grouped;
    grouped.aggregation_strategy = "simple";
    auto ner = cuddle::pipeline("ner", fixtures + "/models/bert-ner", grouped);
    std::cout << ner({"My name is Wolfgang and I live in Berlin."}).dump() << "\n";

    cuddle::PipelineOptions zs;
    zs.candidate_labels = {"sports", "politics", "cooking"};
    zs.hypothesis_template = "This text is about {}.";
    auto classify = cuddle::pipeline("zero-shot-classification", fixtures + "/models/roberta-nli", zs);
    std::cout << classify({"The chef added salt to the soup."})[0]["labels"][0] << "\n";

    cuddle::PipelineOptions sentence;
    sentence.sentence_embedding = true;  // mean pooling + L2 normalisation
    auto embed = cuddle::pipeline("feature-extraction", fixtures + "/models/xlmr-base", sentence);
    std::cout << embed({"Hello world!"})[0].size() << " dimensions\n";
  } catch (const cuddle::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
