// Loading weights: key adaptation (prefixes, legacy names, dtype conversion) and the
// strict errors that list every missing, unexpected and mis-shaped key at once.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "test_util.h"

using namespace cuddle;

namespace {

const std::string kSeqCls = "models/bert-seqcls";

// A copy of a fixture folder whose weights are `edit`ed.
template <typename Edit>
void write_model(const test::TempDir& dir, const std::string& fixture, Edit edit) {
  std::filesystem::copy_file(test::fixture(fixture + "/config.json"), dir / "config.json");
  SafetensorsFile f = SafetensorsFile::open(test::fixture(fixture + "/model.safetensors"));
  NamedTensors tensors;
  for (const auto& name : f.names()) tensors.emplace_back(name, f.tensor(name));
  edit(tensors);
  save_safetensors(dir / "model.safetensors", tensors);
}

ModelInputs fixture_inputs(const std::string& fixture) {
  SafetensorsFile ref = SafetensorsFile::open(test::fixture(fixture + "/reference.safetensors"));
  ModelInputs in;
  in.input_ids = ref.tensor("input_ids").clone();
  in.attention_mask = ref.tensor("attention_mask").clone();
  if (ref.contains("token_type_ids")) in.token_type_ids = ref.tensor("token_type_ids").clone();
  return in;
}

double max_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_float_vector(), y = b.to_float_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, double(std::fabs(x[i] - y[i])));
  return m;
}

}  // namespace

TEST(LoadWeights, ErrorListsMissingUnexpectedAndMisshapedKeys) {
  test::TempDir dir;
  write_model(dir, kSeqCls, [](NamedTensors& t) {
    std::erase_if(t, [](const auto& p) { return p.first == "bert.pooler.dense.bias"; });
    for (auto& [name, tensor] : t)
      if (name == "classifier.weight") tensor = Tensor::zeros({4, 32});
      else if (name == "classifier.bias") tensor = Tensor::zeros({4});
    t.emplace_back("extra.weight", Tensor::zeros({2}));
  });
  try {
    load_model_from_architectures(dir.path());
    FAIL() << "loaded a broken checkpoint";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    for (const char* part : {"model.safetensors", "BertForSequenceClassification",
                             "missing keys: bert.pooler.dense.bias", "unexpected keys: extra.weight",
                             "classifier.weight (checkpoint [4, 32], model expects [3, 32])",
                             "classifier.bias (checkpoint [4], model expects [3])"})
      EXPECT_NE(msg.find(part), std::string::npos) << part << "\n in: " << msg;
  }
}

TEST(LoadWeights, BaseModelFromHeadCheckpointAndLegacyNames) {
  // AutoModel on a classifier checkpoint: "bert." is stripped, the classifier dropped.
  auto base = AutoModel::from_pretrained(test::fixture(kSeqCls));
  EXPECT_EQ(base->class_name(), "BertModel");
  auto head = load_model_from_architectures(test::fixture(kSeqCls));
  const ModelInputs in = fixture_inputs(kSeqCls);
  auto a = base->forward(in), b = head->forward(in);
  EXPECT_EQ(max_diff(a.get("hidden_states.2"), b.get("hidden_states.2")), 0.0);
  EXPECT_EQ(a.get("pooler_output").shape(), (Shape{8, 32}));

  // TF-era LayerNorm.gamma / beta names and f16 weights load into the same model.
  test::TempDir dir;
  write_model(dir, kSeqCls, [](NamedTensors& t) {
    for (auto& [name, tensor] : t) {
      if (name.ends_with("LayerNorm.weight")) name.replace(name.size() - 6, 6, "gamma");
      else if (name.ends_with("LayerNorm.bias")) name.replace(name.size() - 4, 4, "beta");
      tensor = tensor.to(DType::F16);
    }
  });
  auto legacy = load_model_from_architectures(dir.path());
  EXPECT_LT(max_diff(legacy->forward(in).get("logits"), b.get("logits")), 1e-2);
}

TEST(LoadWeights, HeadModelFromBaseCheckpointGainsPrefix) {
  // xlmr-base is an XLMRobertaModel checkpoint (no prefix); token classification needs
  // its own classifier, so strict loading reports exactly that (its pooler is dropped).
  try {
    load_model(test::fixture("models/xlmr-base"), ModelTask::TokenClassification);
    FAIL();
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing keys: classifier.weight, classifier.bias"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("roberta.embeddings"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("unexpected"), std::string::npos) << msg;
  }
}

TEST(LoadWeights, OtherHeadsOfAPreTrainingCheckpointAreDropped) {
  // Like bert-base-uncased: an MLM checkpoint that also holds the pooler and the
  // next-sentence head loads into BertForMaskedLM; a stray key still fails.
  test::TempDir dir;
  write_model(dir, "models/bert-mlm", [](NamedTensors& t) {
    t.emplace_back("bert.pooler.dense.weight", Tensor::zeros({32, 32}));
    t.emplace_back("cls.seq_relationship.weight", Tensor::zeros({2, 32}));
    t.emplace_back("bert.embeddings.position_ids", Tensor::arange(64));
  });
  auto model = load_model_from_architectures(dir.path());
  const ModelInputs in = fixture_inputs("models/bert-mlm");
  auto ref = load_model_from_architectures(test::fixture("models/bert-mlm"));
  EXPECT_EQ(max_diff(model->forward(in).get("logits"), ref->forward(in).get("logits")), 0.0);
}

TEST(LoadWeights, BadInputsAreShapeErrors) {
  auto model = load_model_from_architectures(test::fixture(kSeqCls));
  ModelInputs in = fixture_inputs(kSeqCls);
  in.attention_mask = in.attention_mask.slice(1, 0, 5).contiguous();
  EXPECT_THROW(model->forward(in), ShapeError);
  in = fixture_inputs(kSeqCls);
  in.input_ids = Tensor::full({1, 65}, 1.0f).to(DType::I64);  // beyond 64 positions
  in.attention_mask = Tensor();
  in.token_type_ids = Tensor();
  EXPECT_THROW(model->forward(in), ShapeError);
}

TEST(LoadWeights, BaseModelWithoutPoolerFromMlmCheckpoint) {
  auto base = AutoModel::from_pretrained(test::fixture("models/bert-mlm"));
  auto mlm = load_model_from_architectures(test::fixture("models/bert-mlm"));
  const ModelInputs in = fixture_inputs("models/bert-mlm");
  auto out = base->forward(in);
  EXPECT_FALSE(out.contains("pooler_output"));
  EXPECT_EQ(max_diff(out.get("last_hidden_state"), mlm->forward(in).get("hidden_states.2")), 0.0);
}
