#include "models/bert/bert_models.h"

#include "cuddle/ops.h"

namespace cuddle::models {

BertFamilyModel::BertFamilyModel(std::shared_ptr<const ModelConfig> config, const BertVariant& v,
                                 const std::string& class_suffix, ModelTask task,
                                 bool add_pooling_layer, bool mount_at_top)
    : PreTrainedModel(config, v.class_prefix + class_suffix, task, v.base_prefix),
      backbone_(static_cast<const BertConfig&>(*config), v.positions, add_pooling_layer) {
  register_module(mount_at_top ? "" : v.base_prefix, backbone_);
  other_head_prefixes_ = {v.base_prefix + ".pooler.", v.lm_head, "classifier.", "qa_outputs."};
}

void add_span_logits(ModelOutputs& out, const Tensor& logits) {
  out.tensors.emplace_back("start_logits", logits.select(2, 0).contiguous());
  out.tensors.emplace_back("end_logits", logits.select(2, 1).contiguous());
}

// ---- base model ----

BertBaseModel::BertBaseModel(std::shared_ptr<const ModelConfig> config, const BertVariant& v)
    : BertFamilyModel(config, v, "Model", ModelTask::Base, /*add_pooling_layer=*/true,
                      /*mount_at_top=*/true) {}

void BertBaseModel::drop_absent_optional_parts(const std::set<std::string>& provided) {
  for (const auto& key : provided)
    if (key.starts_with("pooler.")) return;
  backbone_.drop_pooler();
}

ModelOutputs BertBaseModel::forward(const ModelInputs& in, bool output_hidden_states) const {
  auto r = backbone_.forward(in, class_name());
  ModelOutputs out;
  out.tensors.emplace_back("last_hidden_state", r.hidden_states.back());
  if (r.pooled.defined()) out.tensors.emplace_back("pooler_output", r.pooled);
  if (output_hidden_states) out.add_hidden_states(r.hidden_states);
  return out;
}

// ---- token classification ----

BertTokenClassification::BertTokenClassification(std::shared_ptr<const ModelConfig> config,
                                                 const BertVariant& v)
    : BertFamilyModel(config, v, "ForTokenClassification", ModelTask::TokenClassification, false,
                      false),
      classifier(bert_config().hidden_size, config->num_labels) {
  register_module("classifier", classifier);
}

ModelOutputs BertTokenClassification::forward(const ModelInputs& in, bool output_hidden_states) const {
  auto r = backbone_.forward(in, class_name());
  ModelOutputs out;
  out.tensors.emplace_back("logits", classifier.forward(r.hidden_states.back()));
  if (output_hidden_states) out.add_hidden_states(r.hidden_states);
  return out;
}

// ---- question answering ----

BertQuestionAnswering::BertQuestionAnswering(std::shared_ptr<const ModelConfig> config,
                                             const BertVariant& v)
    : BertFamilyModel(config, v, "ForQuestionAnswering", ModelTask::QuestionAnswering, false, false),
      qa_outputs(bert_config().hidden_size, 2) {
  register_module("qa_outputs", qa_outputs);
}

ModelOutputs BertQuestionAnswering::forward(const ModelInputs& in, bool output_hidden_states) const {
  auto r = backbone_.forward(in, class_name());
  ModelOutputs out;
  add_span_logits(out, qa_outputs.forward(r.hidden_states.back()));
  if (output_hidden_states) out.add_hidden_states(r.hidden_states);
  return out;
}

// ---- BERT-only heads ----

namespace {

const BertVariant kBert{"Bert", "bert", "cls.", PositionIds::Absolute};

// pooler -> dropout -> classifier.
class BertForSequenceClassification : public BertFamilyModel {
 public:
  explicit BertForSequenceClassification(std::shared_ptr<const ModelConfig> config)
      : BertFamilyModel(config, kBert, "ForSequenceClassification",
                        ModelTask::SequenceClassification, true, false),
        classifier(bert_config().hidden_size, config->num_labels),
        dropout(static_cast<float>(bert_config().classifier_dropout.value_or(bert_config().hidden_dropout_prob))) {
    register_module("classifier", classifier);
    register_module("dropout", dropout);
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto r = backbone_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("logits", classifier.forward(dropout.forward(r.pooled)));
    if (output_hidden_states) out.add_hidden_states(r.hidden_states);
    return out;
  }
  nn::Linear classifier;
  nn::Dropout dropout;  // classifier_dropout, else hidden_dropout_prob
};

// cls.predictions: transform (dense, act, LayerNorm), then the decoder, whose weight is
// the word embedding matrix when tie_word_embeddings, plus cls.predictions.bias.
class BertLMPredictionHead : public nn::Module {
 public:
  explicit BertLMPredictionHead(const BertConfig& c)
      : transform_dense(c.hidden_size, c.hidden_size),
        transform_norm(c.hidden_size, static_cast<float>(c.layer_norm_eps)),
        decoder(c.hidden_size, c.vocab_size, /*bias=*/false),
        act_(c.activation) {
    register_module("transform.dense", transform_dense);
    register_module("transform.LayerNorm", transform_norm);
    register_module("decoder", decoder);
    register_parameter("bias", bias, {c.vocab_size});
  }
  Tensor forward(const Tensor& h) const {
    Tensor t = transform_norm.forward(transform_dense.forward(h, act_));
    return ops::linear(t, decoder.weight, bias);
  }
  nn::Linear transform_dense;
  nn::LayerNorm transform_norm;
  nn::Linear decoder;
  Tensor bias;

 private:
  Activation act_;
};

class BertForMaskedLM : public BertFamilyModel {
 public:
  explicit BertForMaskedLM(std::shared_ptr<const ModelConfig> config)
      : BertFamilyModel(config, kBert, "ForMaskedLM", ModelTask::MaskedLM, false, false),
        predictions(bert_config()) {
    register_module("cls.predictions", predictions);
    // Checkpoints written before transformers 4.x split the bias also carry it as the
    // decoder's own bias; both names are the same tensor.
    aliases_["cls.predictions.decoder.bias"] = "cls.predictions.bias";
    if (config->tie_word_embeddings)
      tied_["cls.predictions.decoder.weight"] = "bert.embeddings.word_embeddings.weight";
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto r = backbone_.forward(in, class_name());
    ModelOutputs out;
    out.tensors.emplace_back("logits", predictions.forward(r.hidden_states.back()));
    if (output_hidden_states) out.add_hidden_states(r.hidden_states);
    return out;
  }
  BertLMPredictionHead predictions;
};

}  // namespace

std::unique_ptr<PreTrainedModel> create_bert(std::shared_ptr<const ModelConfig> config,
                                             ModelTask task) {
  switch (task) {
    case ModelTask::Base: return std::make_unique<BertBaseModel>(config, kBert);
    case ModelTask::MaskedLM: return std::make_unique<BertForMaskedLM>(config);
    case ModelTask::SequenceClassification:
      return std::make_unique<BertForSequenceClassification>(config);
    case ModelTask::TokenClassification: return std::make_unique<BertTokenClassification>(config, kBert);
    case ModelTask::QuestionAnswering: return std::make_unique<BertQuestionAnswering>(config, kBert);

    default: break;  // vision tasks: no such head in this family (load_model says so)
  }
  return nullptr;
}

}  // namespace cuddle::models
