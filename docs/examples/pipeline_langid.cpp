// docs/pipelines.md, "C++ API": identify the language of a few sentences with the bundled
// langid-bert model and print transformers' JSON. Usage: pipeline_langid [MODEL_DIR_OR_REPO]
#include <cuddle/pipeline.h>

#include <iostream>

int main(int argc, char** argv) {
  std::string model = argc > 1 ? argv[1] : "tests/fixtures/real/models/langid-bert";
  try {
    auto clf = cuddle::pipeline("text-classification", model);
    cuddle::PipelineOutput out = clf({"Wer nicht wagt, der nicht gewinnt.", "El que no arriesga no gana."});
    std::cout << out.dump(2) << "\n";  // [{"label": "de", "score": ...}, {"label": "es", ...}]
    // Options as in transformers: every label, best first.
    cuddle::PipelineOptions all;
    all.top_k = 0;
    std::cout << clf({"Chi va piano va sano e va lontano."}, all)[0][0]["label"] << "\n";
  } catch (const cuddle::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
