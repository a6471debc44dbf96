// The PEFT API beyond parity: save_pretrained round trip in peft's layout, get_peft_model's
// freezing and counts, the fused inference path against the recorded one, several adapters.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/autograd.h"
#include "cuddle/peft.h"
#include "lora_util.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::fixture;
using test::max_abs_diff;

std::shared_ptr<PreTrainedModel> bert() {
  return load_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification);
}

TEST(LoraApi, SaveReloadKeepsPeftsKeysShapesAndValues) {
  const std::string dir = fixture("models/lora-bert-seqcls");
  peft::PeftModel lora = peft::PeftModel::from_pretrained(bert(), dir);
  test::TempDir tmp;
  lora.save_pretrained(tmp.path());
  const SafetensorsFile want = SafetensorsFile::open(dir + "/adapter_model.safetensors");
  const SafetensorsFile got = SafetensorsFile::open(tmp / "adapter_model.safetensors");
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  ASSERT_EQ(sorted(got.names()), sorted(want.names()));
  for (const auto& k : want.names()) {
    EXPECT_EQ(got.tensor(k).shape(), want.tensor(k).shape()) << k;
    EXPECT_EQ(max_abs_diff(got.tensor(k), want.tensor(k)), 0.0) << k;
  }
  EXPECT_EQ(got.metadata().at("format"), "pt");
  // adapter_config.json: peft's key set, the same values where cuddle knows them.
  const auto want_cfg = nlohmann::json::parse(test::read_file(dir + "/adapter_config.json"));
  const auto got_cfg = nlohmann::json::parse(test::read_file(tmp / "adapter_config.json"));
  for (const auto& [k, v] : want_cfg.items()) {
    ASSERT_TRUE(got_cfg.contains(k)) << k;
    if (k != "base_model_name_or_path") {
      EXPECT_EQ(got_cfg[k], v) << k;
    }
  }
  EXPECT_EQ(got_cfg.size(), want_cfg.size());
  // And it loads back to the same outputs.
  const ModelInputs in = test::reference_inputs(dir + "/reference.safetensors");
  peft::PeftModel again = peft::PeftModel::from_pretrained(bert(), tmp.path());
  EXPECT_EQ(max_abs_diff(again.forward(in).get("logits"), lora.forward(in).get("logits")), 0.0);
}

peft::LoraConfig query_value(int64_t r = 4) {
  peft::LoraConfig c;
  c.r = r;
  c.lora_alpha = 8;
  c.target_modules = {"query", "value"};
  c.task_type = "SEQ_CLS";
  return c;
}

TEST(LoraApi, GetPeftModelFreezesTheBaseAndCountsAsPeft) {
  auto model = bert();
  int64_t base_total = 0;
  for (const auto& slot : model->named_parameters()) base_total += slot.tensor->numel();
  peft::PeftModel lora = peft::get_peft_model(model, query_value());
  // r 4 on 2 layers x {query, value} of width 32: 4 x (4*32 + 32*4); classifier 3*32 + 3.
  const int64_t lora_n = 4 * (4 * 32 + 32 * 4), head = 3 * 32 + 3;
  const peft::ParameterCounts c = lora.get_nb_trainable_parameters();
  EXPECT_EQ(c.trainable, lora_n + head);
  EXPECT_EQ(c.all, base_total + lora_n + head);
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.4f", 100.0 * (lora_n + head) / (base_total + lora_n + head));
  EXPECT_EQ(lora.trainable_parameters_line(), "trainable params: 1,123 || all params: " +
                                                  [&] {
                                                    std::string s = std::to_string(c.all);
                                                    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
                                                    return s;
                                                  }() + " || trainable%: " + pct);
  std::printf("%s\n", lora.trainable_parameters_line().c_str());
  // Only the adapter and the head require grad; the base weights do not.
  for (const auto& slot : model->named_parameters())
    if (!slot.name.starts_with("classifier.")) EXPECT_FALSE(slot.tensor->requires_grad()) << slot.name;
  const auto params = lora.trainable_parameters();
  ASSERT_EQ(params.size(), 10u);
  EXPECT_EQ(params.front().name, "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight");
  EXPECT_EQ(params.back().name, "base_model.model.classifier.modules_to_save.default.bias");
  // Fresh adapters start as the identity (B = 0).
  const ModelInputs in = test::reference_inputs(fixture("models/bert-seqcls/reference.safetensors"));
  const Tensor base_logits = load_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification)
                                 ->forward(in, false).get("logits");
  EXPECT_LT(max_abs_diff(lora.forward(in).get("logits"), base_logits), 1e-5);
  // The saved config names the task head, as peft writes it.
  test::TempDir tmp;
  lora.save_pretrained(tmp.path());
  const auto cfg = nlohmann::json::parse(test::read_file(tmp / "adapter_config.json"));
  EXPECT_EQ(cfg["modules_to_save"], nlohmann::json({"classifier", "score"}));
  EXPECT_EQ(cfg["init_lora_weights"], true);
}

TEST(LoraApi, FusedInferenceMatchesTheRecordedPathAndGradientsFlow) {
  peft::LoraConfig cfg = query_value();
  cfg.init_lora_weights = "false";  // B random too, so the adapter changes the outputs
  peft::PeftModel lora = peft::get_peft_model(bert(), cfg);
  ModelInputs in = test::reference_inputs(fixture("models/bert-seqcls/reference.safetensors"));
  Tensor fused;
  {
    autograd::NoGradGuard no_grad;
    fused = lora.forward(in).get("logits").clone();
  }
  in.labels = Tensor::from_vector(std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1}, {8});
  const ModelOutputs out = lora.model().forward_with_loss(in);
  EXPECT_LT(max_abs_diff(out.get("logits"), fused), 1e-5);
  out.get("loss").backward();
  for (const auto& p : lora.trainable_parameters()) EXPECT_TRUE(p.tensor.grad().defined()) << p.name;
  for (const auto& slot : lora.model().named_parameters())
    if (!slot.name.starts_with("classifier.")) EXPECT_FALSE(slot.tensor->grad().defined()) << slot.name;
}

TEST(LoraApi, SeveralAdaptersSwitchAndCombine) {
  const std::string dir = fixture("models/lora-bert-seqcls");
  const ModelInputs in = test::reference_inputs(dir + "/reference.safetensors");
  const SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  peft::PeftModel lora = peft::PeftModel::from_pretrained(bert(), dir);
  lora.load_adapter(dir, "second");
  lora.add_adapter("fresh", query_value(2));
  EXPECT_EQ(lora.adapters(), (std::vector<std::string>{"default", "fresh", "second"}));
  const Tensor with = lora.forward(in).get("logits").clone();
  lora.set_adapter("fresh");
  const Tensor fresh = lora.forward(in).get("logits").clone();
  EXPECT_GT(max_abs_diff(fresh, with), 1e-3);  // its classifier copy is the base's
  lora.set_adapter("second");
  EXPECT_LT(max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter")), 1e-4);
  // linear on one adapter twice: A and B are each sum_i sqrt(w_i s) times the adapter's, so
  // B A is (sum_i sqrt(w_i))^2 s B A (alpha = r): weights 0.25 + 0.25 give the adapter itself.
  lora.add_weighted_adapter({"default", "second"}, {0.25, 0.25}, "avg", "linear");
  lora.set_adapter("avg");
  EXPECT_LT(max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter")), 1e-4);
  // cat with weights 0.5 + 0.5: rank 8, the same sum.
  lora.add_weighted_adapter({"default", "second"}, {0.5, 0.5}, "both", "cat");
  lora.set_adapter("both");
  EXPECT_EQ(lora.config("both").r, 8);
  EXPECT_LT(max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter")), 1e-4);
  lora.delete_adapter("both");
  EXPECT_EQ(lora.active_adapter(), "avg");
  // unload: the base model as it was.
  std::shared_ptr<PreTrainedModel> plain = lora.unload();
  EXPECT_EQ(max_abs_diff(plain->forward(in, false).get("logits"), bert()->forward(in, false).get("logits")), 0.0);
}

TEST(LoraApi, FromPretrainedLoadsTheBaseTheAdapterNames) {
  const std::string dir = fixture("models/lora-bert-seqcls");
  test::TempDir tmp;
  std::filesystem::copy_file(dir + "/adapter_model.safetensors", tmp / "adapter_model.safetensors");
  auto cfg = nlohmann::json::parse(test::read_file(dir + "/adapter_config.json"));
  cfg["base_model_name_or_path"] = std::filesystem::absolute(fixture("models/bert-seqcls")).string();
  test::write_file(tmp / "adapter_config.json", cfg.dump());
  peft::AdapterLoadOptions opts;
  opts.is_trainable = true;
  peft::PeftModel lora = peft::PeftModel::from_pretrained(tmp.path(), opts);
  EXPECT_EQ(lora.model().class_name(), "BertForSequenceClassification");  // task_type SEQ_CLS
  EXPECT_EQ(lora.trainable_parameters().size(), 10u);
  const ModelInputs in = test::reference_inputs(dir + "/reference.safetensors");
  EXPECT_LT(max_abs_diff(lora.forward(in).get("logits"),
                         SafetensorsFile::open(dir + "/reference.safetensors").tensor("logits_with_adapter")),
            1e-4);
}

TEST(LoraApi, ConfigPatternsAndRegexTargets) {
  peft::LoraConfig c;
  c.r = 4;
  c.lora_alpha = 16;
  c.target_modules_regex = R"(.*layer\.1\.attention\.self\.(query|key))";
  c.rank_pattern = {{"key", 2}};
  c.alpha_pattern = {{"key", 4}};
  c.use_rslora = true;
  EXPECT_EQ(c.rank_for("bert.encoder.layer.1.attention.self.key"), 2);
  EXPECT_DOUBLE_EQ(c.scaling_for("bert.encoder.layer.1.attention.self.key"), 4.0 / std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(c.scaling_for("bert.encoder.layer.1.attention.self.query"), 16.0 / 2.0);
  peft::PeftModel lora = peft::get_peft_model(bert(), c);
  const auto sd = lora.adapter_state_dict("default");
  ASSERT_EQ(sd.size(), 4u);  // no task_type: no head saved
  EXPECT_EQ(sd[0].first, "base_model.model.bert.encoder.layer.1.attention.self.key.lora_A.weight");
  EXPECT_EQ(sd[0].second.shape(), (Shape{2, 32}));
  // The JSON round trip keeps the regex and the patterns.
  const peft::LoraConfig back = peft::LoraConfig::from_json(c.to_json(), "test");
  EXPECT_EQ(back.target_modules_regex, c.target_modules_regex);
  EXPECT_EQ(back.rank_pattern, c.rank_pattern);
  EXPECT_TRUE(back.use_rslora);
  // layers_to_transform and all-linear.
  peft::LoraConfig all;
  all.target_modules = {"all-linear"};
  all.layers_to_transform = {0};
  all.task_type = "SEQ_CLS";
  peft::PeftModel l2 = peft::get_peft_model(bert(), all);
  for (const auto& p : l2.trainable_parameters())
    if (p.name.find("lora_") != std::string::npos) {
      EXPECT_NE(p.name.find(".layer.0."), std::string::npos) << p.name;
    }
}

}  // namespace
}  // namespace cuddle
