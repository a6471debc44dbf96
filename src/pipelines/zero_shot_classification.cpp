// zero-shot-classification: an NLI model scores "premise = text, hypothesis = template
// filled with the label" for every candidate label (transformers' semantics). Single-label:
// softmax of the entailment logits across labels. multi_label (or one label): for each
// label on its own, softmax over (contradiction, entailment), keeping entailment. Labels
// come back from the highest score down.
#include <algorithm>
#include <numeric>
#include <optional>

#include "pipelines/common.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class ZeroShotClassification : public PipelineTask {
 public:
  ZeroShotClassification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o, int64_t entailment)
      : PipelineTask("zero-shot-classification", std::move(m), std::move(t), o), entailment_(entailment) {}

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const auto& labels = o.candidate_labels;
    if (labels.empty()) throw Error("zero-shot-classification needs candidate labels (candidate_labels)");
    std::vector<std::string> hypotheses;
    for (const auto& l : labels) hypotheses.push_back(format_hypothesis(o.hypothesis_template.value_or("This example is {}."), l));
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& in : inputs)
      for (const auto& h : hypotheses) pairs.emplace_back(in.text, h);
    TruncationParams trunc;
    trunc.max_length = max_input_length(model(), tokenizer());
    trunc.strategy = TruncationStrategy::OnlyFirst;  // transformers truncates the premise only
    auto encodings = encode_pairs(tokenizer(), pairs, trunc);
    auto rows = forward_rows(model(), tokenizer(), encodings, o.batch_size, {output_named("logits")},
                             [](const Tensor&) { return false; });
    const auto classes = model().config().num_labels;
    const int64_t contradiction = entailment_ == 0 ? classes - 1 : 0;
    PipelineOutput out = PipelineOutput::array();
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<float> scores(labels.size());
      std::vector<float> entail(labels.size());
      for (size_t l = 0; l < labels.size(); ++l) {
        const float* logits = rows[i * labels.size() + l][0].data<float>();
        entail[l] = logits[entailment_];
        if (o.multi_label || labels.size() == 1) {
          float pair[2] = {logits[contradiction], logits[entailment_]};
          scores[l] = softmax(pair, 2)[1];
        }
      }
      if (!(o.multi_label || labels.size() == 1)) scores = softmax(entail.data(), entail.size());
      // numpy's argsort (stable for these sizes) reversed: ties come out last-first.
      std::vector<size_t> order(labels.size());
      std::iota(order.begin(), order.end(), size_t{0});
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
      std::reverse(order.begin(), order.end());
      PipelineOutput names = PipelineOutput::array(), values = PipelineOutput::array();
      for (size_t k : order) names.push_back(labels[k]), values.push_back(scores[k]);
      out.push_back({{"sequence", inputs[i].text}, {"labels", names}, {"scores", values}});
    }
    return out;
  }

 private:
  int64_t entailment_;
};

}  // namespace

TaskPtr make_zero_shot_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  std::optional<int64_t> entailment;
  for (const auto& [id, label] : m->config().id2label) {
    std::string lower = label;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.rfind("entail", 0) == 0) {
      entailment = id;
      break;
    }
  }
  if (!entailment)
    throw Error(m->config().path + ": zero-shot-classification needs an NLI model with an \"entailment\" label in id2label");
  return std::make_shared<ZeroShotClassification>(std::move(m), std::move(t), o, *entailment);
}

}  // namespace cuddle::pipelines
