// Bad adapters: one clear error each, naming what is wrong.
#include <gtest/gtest.h>

#include <filesystem>

#include "cuddle/peft.h"
#include "cuddle/quant.h"
#include "lora_util.h"
#include "test_util.h"

namespace cuddle {
namespace {

namespace fs = std::filesystem;
using test::fixture;

std::shared_ptr<PreTrainedModel> bert() {
  return load_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification);
}

// A copy of the lora-bert-seqcls adapter with its tensors passed through `edit`.
void write_adapter(const std::string& out, const std::function<void(NamedTensors&)>& edit,
                   const std::string& config_from = "", const std::string& config_to = "") {
  const std::string dir = fixture("models/lora-bert-seqcls");
  const SafetensorsFile f = SafetensorsFile::open(dir + "/adapter_model.safetensors");
  NamedTensors t;
  for (const auto& k : f.names()) t.emplace_back(k, f.tensor(k).clone());
  edit(t);
  fs::create_directories(out);
  save_safetensors(out + "/adapter_model.safetensors", t);
  std::string cfg = test::read_file(dir + "/adapter_config.json");
  if (!config_from.empty()) cfg.replace(cfg.find(config_from), config_from.size(), config_to);
  test::write_file(out + "/adapter_config.json", cfg);
}

std::string load_error(const std::string& adapter_dir) {
  return test::error_of([&] { peft::PeftModel::from_pretrained(bert(), adapter_dir); });
}

TEST(LoraErrors, TargetModuleMissingInTheBase) {
  test::TempDir tmp;
  write_adapter(tmp.path(), [](NamedTensors& t) {
    for (auto& [k, v] : t)
      if (k.find("layer.1.attention.self.value") != std::string::npos)
        k.replace(k.find("layer.1."), 8, "layer.7.");
  });
  const std::string e = load_error(tmp.path());
  EXPECT_NE(e.find("bert.encoder.layer.7.attention.self.value"), std::string::npos) << e;
  EXPECT_NE(e.find("does not have"), std::string::npos) << e;
}

TEST(LoraErrors, RankOrShapeMismatch) {
  test::TempDir tmp;
  write_adapter(tmp.path(), [](NamedTensors&) {}, "\"r\": 4", "\"r\": 8");
  const std::string e = load_error(tmp.path());
  EXPECT_NE(e.find("has shape [4, 32]"), std::string::npos) << e;
  EXPECT_NE(e.find("rank or shape"), std::string::npos) << e;
  test::TempDir wide;
  write_adapter(wide.path(), [](NamedTensors& t) {
    for (auto& [k, v] : t)
      if (k.ends_with("layer.0.attention.self.query.lora_A.weight")) v = Tensor::zeros({4, 64});
  });
  const std::string e2 = load_error(wide.path());
  EXPECT_NE(e2.find("in_features 32"), std::string::npos) << e2;
}

TEST(LoraErrors, AdapterForAnotherArchitecture) {
  const std::string e = load_error(fixture("models/lora-llama-causal"));
  EXPECT_NE(e.find("match no module of BertForSequenceClassification"), std::string::npos) << e;
  EXPECT_NE(e.find("another architecture"), std::string::npos) << e;
}

TEST(LoraErrors, PickleOnlyAdapterIsRefusedWithHowToConvert) {
  test::TempDir tmp;
  fs::copy_file(fixture("models/lora-bert-seqcls/adapter_config.json"), tmp / "adapter_config.json");
  test::write_file(tmp / "adapter_model.bin", "not really a pickle");
  const std::string e = load_error(tmp.path());
  EXPECT_NE(e.find("adapter_model.bin"), std::string::npos) << e;
  EXPECT_NE(e.find("save_file("), std::string::npos) << e;
}

TEST(LoraErrors, MergingIntoAQuantizedBaseIsRefused) {
  quant::BitsAndBytesConfig q;
  q.load_in_8bit = true;
  std::shared_ptr<PreTrainedModel> base =
      quant::load_quantized_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification, q);
  peft::PeftModel lora = peft::PeftModel::from_pretrained(base, fixture("models/lora-bert-seqcls"));
  // Unmerged it runs (the adapter adds to the quantized layer's output)...
  const ModelInputs in = test::reference_inputs(fixture("models/lora-bert-seqcls/reference.safetensors"));
  EXPECT_EQ(lora.forward(in).get("logits").shape(), (Shape{8, 3}));
  // ...merging is refused.
  const std::string e = test::error_of([&] { lora.merge_and_unload(); });
  EXPECT_NE(e.find("quantized"), std::string::npos) << e;
}

TEST(LoraErrors, BadConfigValues) {
  EXPECT_NE(test::error_of([] { peft::LoraConfig::from_json(R"({"r": 0, "target_modules": ["q"]})", "cfg"); })
                .find("r must be a positive rank"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { peft::LoraConfig::from_json(R"({"peft_type": "IA3"})", "cfg"); }).find("IA3"),
            std::string::npos);
  EXPECT_NE(test::error_of([] {
              peft::LoraConfig::from_json(R"({"use_dora": true, "target_modules": ["q"]})", "cfg");
            }).find("use_dora"),
            std::string::npos);
}

}  // namespace
}  // namespace cuddle
