#include "models/roberta/roberta_models.h"

#include "cuddle/ops.h"

namespace cuddle::models {

namespace {

// classifier.dense -> tanh -> classifier.out_proj on the <s> token (no pooler).
class RobertaClassificationHead : public nn::Module {
 public:
  RobertaClassificationHead(int64_t hidden, int64_t labels) : dense(hidden, hidden), out_proj(hidden, labels) {
    register_module("dense", dense);
    register_module("out_proj", out_proj);
  }
  Tensor forward(const Tensor& hidden) const {
    return out_proj.forward(dense.forward(hidden.select(1, 0), Activation::Tanh));
  }
  nn::Linear dense, out_proj;
};

class RobertaForSequenceClassification : public BertFamilyModel {
 public:
  RobertaForSequenceClassification(std::shared_ptr<const ModelConfig> config, const BertVariant& v)
      : BertFamilyModel(config, v, "ForSequenceClassification", ModelTask::SequenceClassification,
                        false, false),
        classifier(bert_config().hidden_size, config->num_labels) {
    register_module("classifier", classifier);
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto r = backbone_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("logits", classifier.forward(r.hidden_states.back()));
    if (output_hidden_states) out.add_hidden_states(r.hidden_states);
    return out;
  }
  RobertaClassificationHead classifier;
};

// lm_head: dense -> gelu (always exact gelu, not hidden_act) -> layer_norm -> decoder
// (tied to the word embeddings) + lm_head.bias.
class RobertaLMHead : public nn::Module {
 public:
  explicit RobertaLMHead(const BertConfig& c)
      : dense(c.hidden_size, c.hidden_size),
        layer_norm(c.hidden_size, static_cast<float>(c.layer_norm_eps)),
        decoder(c.hidden_size, c.vocab_size, /*bias=*/false) {
    register_module("dense", dense);
    register_module("layer_norm", layer_norm);
    register_module("decoder", decoder);
    register_parameter("bias", bias, {c.vocab_size});
  }
  Tensor forward(const Tensor& h) const {
    return ops::linear(layer_norm.forward(dense.forward(h, Activation::Gelu)), decoder.weight, bias);
  }
  nn::Linear dense;
  nn::LayerNorm layer_norm;
  nn::Linear decoder;
  Tensor bias;
};

class RobertaForMaskedLM : public BertFamilyModel {
 public:
  RobertaForMaskedLM(std::shared_ptr<const ModelConfig> config, const BertVariant& v)
      : BertFamilyModel(config, v, "ForMaskedLM", ModelTask::MaskedLM, false, false),
        lm_head(bert_config()) {
    register_module("lm_head", lm_head);
    aliases_["lm_head.decoder.bias"] = "lm_head.bias";
    if (config->tie_word_embeddings)
      tied_["lm_head.decoder.weight"] = v.base_prefix + ".embeddings.word_embeddings.weight";
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto r = backbone_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("logits", lm_head.forward(r.hidden_states.back()));
    if (output_hidden_states) out.add_hidden_states(r.hidden_states);
    return out;
  }
  RobertaLMHead lm_head;
};

}  // namespace

std::unique_ptr<PreTrainedModel> create_roberta_style(std::shared_ptr<const ModelConfig> config,
                                                      ModelTask task, const BertVariant& v) {
  switch (task) {
    case ModelTask::Base: return std::make_unique<BertBaseModel>(config, v);
    case ModelTask::MaskedLM: return std::make_unique<RobertaForMaskedLM>(config, v);
    case ModelTask::SequenceClassification:
      return std::make_unique<RobertaForSequenceClassification>(config, v);
    case ModelTask::TokenClassification: return std::make_unique<BertTokenClassification>(config, v);
    case ModelTask::QuestionAnswering: return std::make_unique<BertQuestionAnswering>(config, v);

    default: break;  // vision tasks: no such head in this family (load_model says so)
  }
  return nullptr;
}

}  // namespace cuddle::models
