// LoRA on Embedding, Conv2d and GPT-2's Conv1D against peft's formulas computed in torch
// (tests/peft/make_lora_layers_reference.py writes the adapters and the reference): the
// adapted layer's output, the gradients of both factors, the merged weight, unmerge, and the
// adapter saved back with peft's key names and shapes.
#include <gtest/gtest.h>

#include <filesystem>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cuddle/autograd.h"
#include "cuddle/peft.h"
#include "lora_util.h"
#include "models/gpt2/gpt2_model.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::fixture;
using test::max_abs_diff;

const std::string kRef = "peft/lora-layers/reference.safetensors";

double max_abs(const Tensor& t) { return max_abs_diff(t, Tensor::zeros(t.shape())); }

nn::Module& module_at(PreTrainedModel& model, const std::string& path) {
  for (const auto& [p, m] : model.named_modules())
    if (p == path) return *m;
  throw Error("no module " + path);
}

Tensor weight_of(nn::Module& m) {
  for (const auto& slot : m.named_parameters())
    if (slot.name == "weight") return *slot.tensor;
  throw Error("no weight");
}

// The module's forward on the reference input.
using Forward = std::function<Tensor(nn::Module&, const Tensor&)>;

// Checks one adapted module of `lora` (loaded trainable from the case's adapter folder)
// against the reference: output, factor gradients, merged weight, unmerge.
void check_module(peft::PeftModel& lora, const std::string& path, const std::string& factor_stem,
                  const Forward& forward) {
  SCOPED_TRACE(path);
  const SafetensorsFile ref = SafetensorsFile::open(fixture(kRef));
  auto get = [&](const std::string& k) { return ref.tensor(path + "/" + k).clone(); };
  nn::Module& m = module_at(lora.model(), path);
  const Tensor base_weight = weight_of(m);

  const Tensor out = forward(m, get("input"));
  const double out_diff = max_abs_diff(out, get("output"));
  EXPECT_LT(out_diff, 1e-5);
  std::cout << path << ": output " << out_diff;
  ops::sum(ops::mul(out, get("upstream"))).backward();
  for (const char which : {'A', 'B'}) {
    const std::string stem = "base_model.model." + path + "." + factor_stem + which;
    bool found = false;
    for (const auto& p : lora.trainable_parameters()) {
      if (p.name != stem + ".default" && p.name != stem + ".default.weight") continue;
      found = true;
      const Tensor want = get(std::string("grad_") + which);
      ASSERT_TRUE(p.tensor.grad().defined()) << p.name;
      const double rel = max_abs_diff(p.tensor.grad(), want) / max_abs(want);
      EXPECT_LT(rel, 1e-5) << p.name;
      std::cout << ", grad " << which << " " << rel << " rel";
    }
    EXPECT_TRUE(found) << stem;
  }

  lora.merge_adapter();
  {
    autograd::NoGradGuard no_grad;
    const Tensor merged = weight_of(m);
    const double merged_diff = ref.contains(path + "/merged_rows")
                                   ? max_abs_diff(ops::embedding(merged, get("merged_rows")), get("merged"))
                                   : max_abs_diff(merged, get("merged"));
    EXPECT_LT(merged_diff, 1e-6);
    const double merged_out = max_abs_diff(forward(m, get("input")), get("output"));
    EXPECT_LT(merged_out, 1e-5);
    std::cout << ", merged weight " << merged_diff << ", merged output " << merged_out << "\n";
  }
  lora.unmerge_adapter();
  EXPECT_EQ(max_abs_diff(weight_of(m), base_weight), 0.0);
}

peft::PeftModel load_trainable(const std::string& model, ModelTask task, const std::string& adapter) {
  std::shared_ptr<PreTrainedModel> base = load_model(fixture("models/" + model), task);
  peft::AdapterLoadOptions o;
  o.is_trainable = true;
  return peft::PeftModel::from_pretrained(base, fixture("peft/lora-layers/" + adapter), o);
}

// Saved again, the adapter has the fixture's keys, shapes and values; loaded back, the same output.
void check_round_trip(peft::PeftModel& lora, const std::string& adapter, const std::string& model, ModelTask task,
                      const std::string& path, const Forward& forward) {
  test::TempDir tmp;
  lora.save_pretrained(tmp / "out");
  const SafetensorsFile saved = SafetensorsFile::open(tmp / "out/adapter_model.safetensors");
  const SafetensorsFile want = SafetensorsFile::open(fixture("peft/lora-layers/" + adapter + "/adapter_model.safetensors"));
  EXPECT_EQ(saved.names(), want.names());
  for (const auto& key : want.names()) EXPECT_EQ(max_abs_diff(saved.tensor(key), want.tensor(key)), 0.0) << key;
  std::shared_ptr<PreTrainedModel> base = load_model(fixture("models/" + model), task);
  auto back = peft::PeftModel::from_pretrained(base, tmp / "out");
  const SafetensorsFile ref = SafetensorsFile::open(fixture(kRef));
  EXPECT_LT(max_abs_diff(forward(module_at(back.model(), path), ref.tensor(path + "/input").clone()),
                         ref.tensor(path + "/output")),
            1e-5);
}

const Forward kEmbedding = [](nn::Module& m, const Tensor& x) { return dynamic_cast<nn::Embedding&>(m).forward(x); };
const Forward kConv2d = [](nn::Module& m, const Tensor& x) { return dynamic_cast<nn::Conv2d&>(m).forward(x); };
const Forward kConv1D = [](nn::Module& m, const Tensor& x) { return dynamic_cast<models::Conv1D&>(m).forward(x); };

TEST(LoraLayers, EmbeddingMatchesPeft) {
  auto lora = load_trainable("bert-seqcls", ModelTask::SequenceClassification, "embedding");
  const std::string path = "bert.embeddings.word_embeddings";
  check_module(lora, path, "lora_embedding_", kEmbedding);
  // The gradient of A lives in the looked-up columns only.
  for (const auto& p : lora.trainable_parameters())
    if (p.name.ends_with("lora_embedding_A.default")) {
      const Tensor g = p.tensor.grad();
      int64_t nonzero_columns = 0;
      for (int64_t v = 0; v < g.size(1); ++v) nonzero_columns += g.data<float>()[v] != 0.0f;
      EXPECT_EQ(nonzero_columns, 9);  // 10 ids, one repeated
    }
  check_round_trip(lora, "embedding", "bert-seqcls", ModelTask::SequenceClassification, path, kEmbedding);
}

TEST(LoraLayers, Conv2dMatchesPeft) {
  auto lora = load_trainable("resnet-imgcls", ModelTask::ImageClassification, "conv2d");
  for (const char* path : {"resnet.embedder.embedder.convolution", "resnet.encoder.stages.1.layers.0.layer.1.convolution",
                           "resnet.encoder.stages.1.layers.0.shortcut.convolution"})
    check_module(lora, path, "lora_", kConv2d);
  check_round_trip(lora, "conv2d", "resnet-imgcls", ModelTask::ImageClassification,
                   "resnet.encoder.stages.1.layers.0.layer.1.convolution", kConv2d);
}

TEST(LoraLayers, Conv1DFanInFanOutMatchesPeft) {
  auto lora = load_trainable("gpt2-causal", ModelTask::CausalLM, "conv1d");
  const std::string path = "transformer.h.0.attn.c_attn";
  check_module(lora, path, "lora_", kConv1D);
  check_round_trip(lora, "conv1d", "gpt2-causal", ModelTask::CausalLM, path, kConv1D);
}

// Whole models with the adapters: unmerged and merged give one answer, and not the base's.
TEST(LoraLayers, AdaptedResnetAndGpt2RunUnmergedAsMerged) {
  struct Case {
    std::string model, adapter;
    ModelTask task;
    std::function<ModelInputs(const SafetensorsFile&)> inputs;
  };
  const std::vector<Case> cases = {
      {"resnet-imgcls", "conv2d", ModelTask::ImageClassification,
       [](const SafetensorsFile& f) {
         ModelInputs in;
         in.pixel_values = f.tensor("scene_80x60.png:pixel_values").clone().unsqueeze(0);
         return in;
       }},
      {"gpt2-causal", "conv1d", ModelTask::CausalLM, [](const SafetensorsFile& f) {
         ModelInputs in;
         in.input_ids = f.tensor("p1:input_ids").clone().unsqueeze(0);
         return in;
       }}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.model);
    const SafetensorsFile ref = SafetensorsFile::open(fixture("models/" + c.model + "/reference.safetensors"));
    const ModelInputs in = c.inputs(ref);
    std::shared_ptr<PreTrainedModel> base = load_model(fixture("models/" + c.model), c.task);
    const Tensor plain = base->forward(in, false).get("logits");
    auto lora = peft::PeftModel::from_pretrained(base, fixture("peft/lora-layers/" + c.adapter));
    const Tensor adapted = lora.forward(in).get("logits");
    {
      auto off = lora.disable_adapter();
      EXPECT_EQ(max_abs_diff(lora.forward(in).get("logits"), plain), 0.0);
    }
    EXPECT_GT(max_abs_diff(adapted, plain), 1e-3);
    const Tensor merged = lora.merge_and_unload()->forward(in, false).get("logits");
    EXPECT_LT(max_abs_diff(adapted, merged), 1e-4);
  }
}

// A copy of the embedding adapter with its tensors renamed by `edit` and `r` in its config.
std::string edited_embedding_adapter(const test::TempDir& tmp, const std::function<void(NamedTensors&)>& edit, int r) {
  const std::string dir = fixture("peft/lora-layers/embedding");
  const SafetensorsFile f = SafetensorsFile::open(dir + "/adapter_model.safetensors");
  NamedTensors t;
  for (const auto& k : f.names()) t.emplace_back(k, f.tensor(k).clone());
  edit(t);
  std::filesystem::create_directories(tmp / "a");
  save_safetensors(tmp / "a/adapter_model.safetensors", t);
  auto cfg = nlohmann::json::parse(test::read_file(dir + "/adapter_config.json"));
  cfg["r"] = r;
  test::write_file(tmp / "a/adapter_config.json", cfg.dump());
  return tmp / "a";
}

std::string load_error(const std::string& dir) {
  return test::error_of([&] {
    peft::PeftModel::from_pretrained(load_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification), dir);
  });
}

TEST(LoraLayers, BadInputIsOneClearError) {
  test::TempDir tmp;
  // A rank that does not match the factors.
  std::string e = load_error(edited_embedding_adapter(tmp, [](NamedTensors&) {}, 2));
  EXPECT_NE(e.find("lora_embedding_A has shape [4, 4425]"), std::string::npos) << e;
  EXPECT_NE(e.find("(Embedding, num_embeddings 4425, r 2) needs [2, 4425]"), std::string::npos) << e;
  // An embedding's factors under a Linear's names.
  e = load_error(edited_embedding_adapter(tmp, [](NamedTensors& t) {
    for (auto& [k, v] : t)
      if (k.ends_with("lora_embedding_A")) k.replace(k.find("lora_embedding_A"), 16, "lora_A.weight");
  }, 4));
  EXPECT_NE(e.find("is a module of type Embedding, whose factors peft saves as "
                   "bert.embeddings.word_embeddings.lora_embedding_A"), std::string::npos) << e;
  // A target LoRA cannot adapt.
  peft::LoraConfig cfg;
  cfg.target_modules = {"LayerNorm"};
  e = test::error_of([&] {
    peft::get_peft_model(load_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification), cfg);
  });
  EXPECT_NE(e.find("selects bert.embeddings.LayerNorm, a LayerNorm; LoRA adapts Linear, Embedding, Conv2d and Conv1D"),
            std::string::npos) << e;
}

// peft's reset_lora_parameters: an embedding's A starts at zero and B standard normal (the
// roles of Linear's swapped); a convolution's A kaiming-uniform over its fan-in, B zero.
TEST(LoraLayers, FreshAdaptersStartAsTheIdentity) {
  auto init = [](const std::string& model, ModelTask task, const std::string& target) {
    peft::LoraConfig cfg;
    cfg.r = 4;
    cfg.target_modules = {target};
    auto lora = peft::get_peft_model(load_model(fixture("models/" + model), task), cfg);
    std::map<std::string, Tensor> out;
    for (const auto& p : lora.trainable_parameters()) out[p.name] = p.tensor;
    return out;
  };
  auto emb = init("bert-seqcls", ModelTask::SequenceClassification, "word_embeddings");
  const Tensor ea = emb.at("base_model.model.bert.embeddings.word_embeddings.lora_embedding_A.default");
  const Tensor eb = emb.at("base_model.model.bert.embeddings.word_embeddings.lora_embedding_B.default");
  EXPECT_EQ(ea.shape(), (Shape{4, 4425}));
  EXPECT_EQ(eb.shape(), (Shape{32, 4}));
  EXPECT_EQ(max_abs(ea), 0.0);
  EXPECT_GT(max_abs(eb), 1.0);  // 128 standard-normal draws
  auto conv = init("resnet-imgcls", ModelTask::ImageClassification, "layer.1.convolution");
  const std::string stem = "base_model.model.resnet.encoder.stages.3.layers.0.layer.1.convolution.";
  const Tensor ca = conv.at(stem + "lora_A.default.weight"), cb = conv.at(stem + "lora_B.default.weight");
  EXPECT_EQ(ca.shape(), (Shape{4, 8, 3, 3}));
  EXPECT_EQ(cb.shape(), (Shape{8, 4, 1, 1}));
  EXPECT_GT(max_abs(ca), 0.0);
  EXPECT_LE(max_abs(ca), 1.0 / std::sqrt(8.0 * 9.0));
  EXPECT_EQ(max_abs(cb), 0.0);
}

}  // namespace
}  // namespace cuddle
