// feature-extraction: the model's first output for each input, as transformers returns it
// ([1, tokens, hidden] for a base model: a batch of one). With sentence_embedding, one
// vector per input instead: the token embeddings mean-pooled over the attention mask and
// L2-normalised, as sentence-transformers' mean pooling + Normalize modules do.
#include <cmath>

#include "pipelines/common.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class FeatureExtraction : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const EncodedTexts encoded = encode_inputs(model(), tokenizer(), inputs);
    const std::vector<Encoding>& encodings = encoded.encodings;
    auto first = [](const ModelOutputs& out) -> const Tensor& { return out.tensors.front().second; };
    auto rows = forward_rows(model(), tokenizer(), encodings, o.batch_size, {first},
                             [](const Tensor& t) { return t.dim() >= 3; });
    PipelineOutput out = PipelineOutput::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      const Tensor& row = rows[i][0];
      if (o.sentence_embedding) {
        out.push_back(mean_pool_normalized(row, encodings[i]));
      } else {
        Shape shape = row.shape();
        shape.insert(shape.begin(), 1);
        out.push_back(to_nested(row.data<float>(), shape));
      }
    }
    return out;
  }

 private:
  static PipelineOutput mean_pool_normalized(const Tensor& tokens, const Encoding& enc) {
    if (tokens.dim() != 2)
      throw Error("feature-extraction: sentence embeddings need token embeddings [tokens, hidden], the model gives " +
                  tokens.describe());
    const auto n = static_cast<size_t>(tokens.size(0)), h = static_cast<size_t>(tokens.size(1));
    std::vector<double> sum(h, 0.0);
    double count = 0.0;
    for (size_t t = 0; t < n; ++t) {
      if (!enc.attention_mask[t]) continue;
      for (size_t k = 0; k < h; ++k) sum[k] += tokens.data<float>()[t * h + k];
      count += 1.0;
    }
    double norm = 0.0;
    for (double& v : sum) {
      v /= std::max(count, 1e-9);
      norm += v * v;
    }
    norm = std::max(std::sqrt(norm), 1e-12);  // torch.nn.functional.normalize's eps
    PipelineOutput out = PipelineOutput::array();
    for (double v : sum) out.push_back(static_cast<float>(v / norm));
    return out;
  }
};

}  // namespace

TaskPtr make_feature_extraction(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  return std::make_shared<FeatureExtraction>("feature-extraction", std::move(m), std::move(t), o);
}

}  // namespace cuddle::pipelines
