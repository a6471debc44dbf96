// Every registered architecture, including the heads no fixture covers (RoBERTa and
// DistilBERT masked LM, QA, token classification, ...): built from a fixture's base
// weights plus deterministic head weights, saved as a model folder, loaded back through
// the registry and run. Checks key names round-trip, ties hold and output shapes are
// transformers'.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "cuddle/safetensors.h"
#include "models/registry.h"
#include "test_util.h"

using namespace cuddle;

namespace {

// Each family's fixture; null for CLIP, whose two towers take text and images together
// (clip_test.cpp covers its one class).
const char* fixture_for(const std::string& model_type) {
  if (model_type == "bert") return "models/bert-seqcls";
  if (model_type == "roberta") return "models/roberta-nli";
  if (model_type == "xlm-roberta") return "models/xlmr-base";
  if (model_type == "distilbert") return "models/distilbert-seqcls";
  if (model_type == "resnet") return "models/resnet-imgcls";
  if (model_type == "detr") return "models/detr-objdet";
  if (model_type == "vit") return "models/vit-imgcls";
  return nullptr;
}

// The fixture's tensor for `key`, whatever prefix the fixture used.
Tensor base_weight(const SafetensorsFile& f, const std::string& key) {
  if (f.contains(key)) return f.tensor(key);
  for (const char* prefix : {"bert.", "roberta.", "distilbert.", "resnet.", "vit.", "model."}) {
    if (f.contains(prefix + key)) return f.tensor(prefix + key);
    if (key.starts_with(prefix) && f.contains(key.substr(std::strlen(prefix))))
      return f.tensor(key.substr(std::strlen(prefix)));
  }
  return {};
}

Tensor deterministic(const Shape& shape, size_t seed) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 2654435761u + seed * 40503u) % 1000) / 1000.0f - 0.5f;
  return Tensor::from_vector(v, shape);
}

// Vision families run on pixel_values and have their own output shapes.
bool is_vision(const std::string& model_type) {
  return model_type == "resnet" || model_type == "detr" || model_type == "vit";
}

void expect_vision_outputs(const ModelOutputs& out, ModelTask task, const PreTrainedModel& model,
                           const nlohmann::json& cfg, int64_t B) {
  const int64_t labels = model.config().num_labels;
  switch (task) {
    case ModelTask::Base:
      EXPECT_EQ(out.get("last_hidden_state").size(0), B);
      break;
    case ModelTask::ImageClassification:
      EXPECT_EQ(out.get("logits").shape(), (Shape{B, labels}));
      break;
    case ModelTask::ObjectDetection: {
      const int64_t Q = cfg["num_queries"].get<int64_t>();
      EXPECT_EQ(out.get("logits").shape(), (Shape{B, Q, labels + 1}));
      EXPECT_EQ(out.get("pred_boxes").shape(), (Shape{B, Q, 4}));
      break;
    }
    default:
      FAIL() << "vision architecture with a text task: " << model.class_name();
  }
}

void expect_text_outputs(const ModelOutputs& out, ModelTask task, const PreTrainedModel& model,
                         const nlohmann::json& cfg, int64_t B, int64_t S) {
  const int64_t H = out.get("hidden_states.0").size(2);
  EXPECT_TRUE(out.contains("hidden_states.2"));
  switch (task) {
    case ModelTask::Base:
      EXPECT_EQ(out.get("last_hidden_state").shape(), (Shape{B, S, H}));
      break;
    case ModelTask::MaskedLM:
      EXPECT_EQ(out.get("logits").shape(), (Shape{B, S, cfg["vocab_size"].get<int64_t>()}));
      break;
    case ModelTask::SequenceClassification:
      EXPECT_EQ(out.get("logits").shape(), (Shape{B, model.config().num_labels}));
      break;
    case ModelTask::TokenClassification:
      EXPECT_EQ(out.get("logits").shape(), (Shape{B, S, model.config().num_labels}));
      break;
    case ModelTask::QuestionAnswering:
      EXPECT_EQ(out.get("start_logits").shape(), (Shape{B, S}));
      EXPECT_EQ(out.get("end_logits").shape(), (Shape{B, S}));
      break;
    default:
      FAIL() << "text architecture with a vision task: " << model.class_name();
  }
}

}  // namespace

TEST(Architectures, EveryRegisteredClassLoadsAndRuns) {
  int checked = 0;
  for (const auto& family : models::model_families()) {
    const char* fixture = fixture_for(family.model_types[0]);
    if (!fixture) continue;
    for (const auto& [arch, task] : family.architectures) {
      SCOPED_TRACE(arch);
      const std::string src = test::fixture(fixture);
      test::TempDir dir;
      auto cfg = nlohmann::json::parse(test::read_file(src + "/config.json"));
      cfg["architectures"] = {arch};
      test::write_file(dir / "config.json", cfg.dump());

      // Weights under the keys the model declares: the fixture's where it has them, the
      // rest made up; tied decoder weights are left out, as transformers saves them.
      auto blank = family.create(load_config(dir.path()), task);
      SafetensorsFile f = SafetensorsFile::open(src + "/model.safetensors");
      NamedTensors weights;
      size_t seed = 0;
      for (const auto& slot : blank->named_parameters()) {
        if (slot.name.ends_with("decoder.weight") || slot.name == "vocab_projector.weight") continue;
        Tensor t = base_weight(f, slot.name);
        weights.emplace_back(slot.name, t.defined() ? t : deterministic(slot.shape, ++seed));
      }
      save_safetensors(dir / "model.safetensors", weights);

      auto model = load_model_from_architectures(dir.path());
      EXPECT_EQ(model->class_name(), arch);
      const int64_t B = 2, S = 7;
      std::vector<int64_t> ids(B * S), mask(B * S, 1);
      for (int64_t i = 0; i < B * S; ++i) ids[i] = 5 + i;
      mask.back() = 0;
      ModelInputs in;
      ModelOutputs out;
      if (is_vision(family.model_types[0])) {
        in.pixel_values = deterministic({B, 3, 32, 32}, 7);
        out = model->forward(in);
        expect_vision_outputs(out, task, *model, cfg, B);
      } else {
        in.input_ids = Tensor::from_vector(ids, {B, S});
        in.attention_mask = Tensor::from_vector(mask, {B, S});
        out = model->forward(in);
        expect_text_outputs(out, task, *model, cfg, B, S);
      }
      for (const auto& [name, t] : out.tensors)
        for (float v : t.to_float_vector()) ASSERT_TRUE(std::isfinite(v)) << name;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 26);  // every architecture but CLIPModel
}

TEST(Architectures, UnknownArchitectureNamesTheSupportedOnes) {
  test::TempDir dir;
  auto cfg = nlohmann::json::parse(test::read_file(test::fixture("models/bert-qa/config.json")));
  cfg["architectures"] = {"BertForNextSentencePrediction"};
  test::write_file(dir / "config.json", cfg.dump());
  try {
    load_model_from_architectures(dir.path());
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("BertForNextSentencePrediction"), std::string::npos) << msg;
    EXPECT_NE(msg.find("BertForMaskedLM"), std::string::npos) << msg;
    EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
  }
}
