// DistilBERT (transformers' modeling_distilbert): word + position embeddings (no token
// types), post-norm blocks named attention.{q,k,v,out}_lin / sa_layer_norm / ffn.lin1,2 /
// output_layer_norm, and its own head names.
#include "cuddle/ops.h"
#include "models/bert/bert_encoder.h"
#include "models/bert/bert_models.h"
#include "models/fused_qkv.h"
#include "models/registry.h"

namespace cuddle::models {

namespace {

constexpr float kLayerNormEps = 1e-12f;  // hard-coded in modeling_distilbert

struct DistilBertConfig : ModelConfig {
  int64_t vocab_size = 30522;
  int64_t max_position_embeddings = 512;
  int64_t n_layers = 6;
  int64_t n_heads = 12;
  int64_t dim = 768;
  int64_t hidden_dim = 3072;
  Activation activation = Activation::Gelu;
};

std::shared_ptr<ModelConfig> read_distilbert_config(const ConfigReader& r) {
  auto c = std::make_shared<DistilBertConfig>();
  c->pad_token_id = 0;
  c->vocab_size = r.integer("vocab_size", c->vocab_size);
  c->max_position_embeddings = r.integer("max_position_embeddings", c->max_position_embeddings);
  c->n_layers = r.integer("n_layers", c->n_layers);
  c->n_heads = r.integer("n_heads", c->n_heads);
  c->dim = r.integer("dim", c->dim);
  c->hidden_dim = r.integer("hidden_dim", c->hidden_dim);
  const std::string act = r.string("activation", "gelu");
  c->activation = r.activation("activation", act);
  for (const char* key : {"vocab_size", "max_position_embeddings", "n_layers", "n_heads", "dim", "hidden_dim"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c->dim % c->n_heads != 0) r.fail("n_heads", "a divisor of dim (" + std::to_string(c->dim) + ")");
  return c;
}

class Embeddings : public nn::Module {
 public:
  explicit Embeddings(const DistilBertConfig& c)
      : word_embeddings(c.vocab_size, c.dim),
        position_embeddings(c.max_position_embeddings, c.dim),
        LayerNorm(c.dim, kLayerNormEps) {
    register_module("word_embeddings", word_embeddings);
    register_module("position_embeddings", position_embeddings);
    register_module("LayerNorm", LayerNorm);
  }
  Tensor forward(const Tensor& ids) const {
    const int64_t B = ids.size(0), S = ids.size(1);
    Tensor pos = Tensor::empty({B, S}, DType::I64);
    for (int64_t i = 0; i < B * S; ++i) pos.data<int64_t>()[i] = i % S;
    return LayerNorm.forward(word_embeddings.forward(ids), position_embeddings.forward(pos));
  }
  nn::Embedding word_embeddings, position_embeddings;
  nn::LayerNorm LayerNorm;
};

class MultiHeadSelfAttention : public nn::Module {
 public:
  explicit MultiHeadSelfAttention(const DistilBertConfig& c)
      : q_lin(c.dim, c.dim), k_lin(c.dim, c.dim), v_lin(c.dim, c.dim), out_lin(c.dim, c.dim),
        heads_(c.n_heads), qkv_(q_lin, k_lin, v_lin) {
    register_module("q_lin", q_lin);
    register_module("k_lin", k_lin);
    register_module("v_lin", v_lin);
    register_module("out_lin", out_lin);
  }
  void on_loaded() override { qkv_.build(); }
  Tensor forward(const Tensor& x, const Tensor& mask) const {
    return out_lin.forward(qkv_.context(x, heads_, mask));
  }
  nn::Linear q_lin, k_lin, v_lin, out_lin;

 private:
  int64_t heads_;
  FusedQkv qkv_;
};

class FFN : public nn::Module {
 public:
  explicit FFN(const DistilBertConfig& c) : lin1(c.dim, c.hidden_dim), lin2(c.hidden_dim, c.dim), act_(c.activation) {
    register_module("lin1", lin1);
    register_module("lin2", lin2);
  }
  Tensor forward(const Tensor& x) const { return lin2.forward(lin1.forward(x, act_)); }
  nn::Linear lin1, lin2;

 private:
  Activation act_;
};

class TransformerBlock : public nn::Module {
 public:
  explicit TransformerBlock(const DistilBertConfig& c)
      : attention(c), sa_layer_norm(c.dim, kLayerNormEps), ffn(c), output_layer_norm(c.dim, kLayerNormEps) {
    register_module("attention", attention);
    register_module("sa_layer_norm", sa_layer_norm);
    register_module("ffn", ffn);
    register_module("output_layer_norm", output_layer_norm);
  }
  Tensor forward(const Tensor& x, const Tensor& mask) const {
    Tensor sa = sa_layer_norm.forward(attention.forward(x, mask), x);
    return output_layer_norm.forward(ffn.forward(sa), sa);
  }
  MultiHeadSelfAttention attention;
  nn::LayerNorm sa_layer_norm;
  FFN ffn;
  nn::LayerNorm output_layer_norm;
};

// DistilBertModel's body: embeddings + transformer.layer.N.
class Backbone : public nn::Module {
 public:
  explicit Backbone(const DistilBertConfig& c) : embeddings(c), max_positions_(c.max_position_embeddings) {
    register_module("embeddings", embeddings);
    for (int64_t i = 0; i < c.n_layers; ++i) {
      layers.push_back(std::make_unique<TransformerBlock>(c));
      register_module("transformer.layer." + std::to_string(i), *layers.back());
    }
  }
  std::vector<Tensor> forward(const ModelInputs& in, const std::string& model) const {
    check_encoder_inputs(in, max_positions_, model);
    std::vector<Tensor> hs{embeddings.forward(in.input_ids)};
    for (const auto& l : layers) hs.push_back(l->forward(hs.back(), in.attention_mask));
    return hs;
  }
  Embeddings embeddings;
  std::vector<std::unique_ptr<TransformerBlock>> layers;

 private:
  int64_t max_positions_;
};

class DistilBertBase : public PreTrainedModel {
 protected:
  DistilBertBase(std::shared_ptr<const ModelConfig> config, const std::string& suffix, ModelTask task)
      : PreTrainedModel(config, "DistilBert" + suffix, task, "distilbert"),
        backbone_(cfg()) {
    register_module(task == ModelTask::Base ? "" : "distilbert", backbone_);
    other_head_prefixes_ = {"vocab_transform.", "vocab_layer_norm.", "vocab_projector.",
                            "pre_classifier.", "classifier.", "qa_outputs."};
  }
  const DistilBertConfig& cfg() const { return static_cast<const DistilBertConfig&>(config()); }
  ModelOutputs with_hidden(const std::vector<Tensor>& hs, bool output_hidden_states, ModelOutputs out) const {
    if (output_hidden_states) out.add_hidden_states(hs);
    return out;
  }
  Backbone backbone_;
};

class DistilBertModel : public DistilBertBase {
 public:
  explicit DistilBertModel(std::shared_ptr<const ModelConfig> c) : DistilBertBase(c, "Model", ModelTask::Base) {}
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hs = backbone_.forward(in, class_name());
    return with_hidden(hs, output_hidden_states, {{{"last_hidden_state", hs.back()}}});
  }
};

// hidden[:, 0] -> pre_classifier -> ReLU -> dropout -> classifier.
class DistilBertForSequenceClassification : public DistilBertBase {
 public:
  explicit DistilBertForSequenceClassification(std::shared_ptr<const ModelConfig> c)
      : DistilBertBase(c, "ForSequenceClassification", ModelTask::SequenceClassification),
        pre_classifier(cfg().dim, cfg().dim), classifier(cfg().dim, c->num_labels) {
    register_module("pre_classifier", pre_classifier);
    register_module("classifier", classifier);
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hs = backbone_.forward(in, class_name());
    Tensor pooled = pre_classifier.forward(hs.back().select(1, 0), Activation::Relu);
    return with_hidden(hs, output_hidden_states, {{{"logits", classifier.forward(pooled)}}});
  }
  nn::Linear pre_classifier, classifier;
};

class DistilBertForTokenClassification : public DistilBertBase {
 public:
  explicit DistilBertForTokenClassification(std::shared_ptr<const ModelConfig> c)
      : DistilBertBase(c, "ForTokenClassification", ModelTask::TokenClassification),
        classifier(cfg().dim, c->num_labels) {
    register_module("classifier", classifier);
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hs = backbone_.forward(in, class_name());
    return with_hidden(hs, output_hidden_states, {{{"logits", classifier.forward(hs.back())}}});
  }
  nn::Linear classifier;
};

class DistilBertForQuestionAnswering : public DistilBertBase {
 public:
  explicit DistilBertForQuestionAnswering(std::shared_ptr<const ModelConfig> c)
      : DistilBertBase(c, "ForQuestionAnswering", ModelTask::QuestionAnswering), qa_outputs(cfg().dim, 2) {
    register_module("qa_outputs", qa_outputs);
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hs = backbone_.forward(in, class_name());
    ModelOutputs out;
    add_span_logits(out, qa_outputs.forward(hs.back()));
    return with_hidden(hs, output_hidden_states, std::move(out));
  }
  nn::Linear qa_outputs;
};

// vocab_transform -> activation -> vocab_layer_norm -> vocab_projector (weight tied to
// the word embeddings, own bias).
class DistilBertForMaskedLM : public DistilBertBase {
 public:
  explicit DistilBertForMaskedLM(std::shared_ptr<const ModelConfig> c)
      : DistilBertBase(c, "ForMaskedLM", ModelTask::MaskedLM),
        vocab_transform(cfg().dim, cfg().dim),
        vocab_layer_norm(cfg().dim, kLayerNormEps),
        vocab_projector(cfg().dim, cfg().vocab_size) {
    register_module("vocab_transform", vocab_transform);
    register_module("vocab_layer_norm", vocab_layer_norm);
    register_module("vocab_projector", vocab_projector);
    if (c->tie_word_embeddings)
      tied_["vocab_projector.weight"] = "distilbert.embeddings.word_embeddings.weight";
  }
  ModelOutputs forward(const ModelInputs& in, bool output_hidden_states) const override {
    auto hs = backbone_.forward(in, class_name());
    Tensor t = vocab_layer_norm.forward(vocab_transform.forward(hs.back(), cfg().activation));
    return with_hidden(hs, output_hidden_states, {{{"logits", vocab_projector.forward(t)}}});
  }
  nn::Linear vocab_transform;
  nn::LayerNorm vocab_layer_norm;
  nn::Linear vocab_projector;
};

std::unique_ptr<PreTrainedModel> create_distilbert(std::shared_ptr<const ModelConfig> c, ModelTask task) {
  switch (task) {
    case ModelTask::Base: return std::make_unique<DistilBertModel>(c);
    case ModelTask::MaskedLM: return std::make_unique<DistilBertForMaskedLM>(c);
    case ModelTask::SequenceClassification: return std::make_unique<DistilBertForSequenceClassification>(c);
    case ModelTask::TokenClassification: return std::make_unique<DistilBertForTokenClassification>(c);
    case ModelTask::QuestionAnswering: return std::make_unique<DistilBertForQuestionAnswering>(c);

    default: break;  // vision tasks: no such head in this family (load_model says so)
  }
  return nullptr;
}

}  // namespace

ModelFamily distilbert_family() {
  return {
      {"distilbert"},
      read_distilbert_config,
      create_distilbert,
      {{"DistilBertModel", ModelTask::Base},
       {"DistilBertForMaskedLM", ModelTask::MaskedLM},
       {"DistilBertForSequenceClassification", ModelTask::SequenceClassification},
       {"DistilBertForTokenClassification", ModelTask::TokenClassification},
       {"DistilBertForQuestionAnswering", ModelTask::QuestionAnswering}},
  };
}

}  // namespace cuddle::models
