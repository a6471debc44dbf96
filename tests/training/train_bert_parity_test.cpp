// Fine-tuning parity with transformers 5.17 / peft 0.21 (fixtures models/train-bert-seqcls
// and train-lora-bert-seqcls): a BertForSequenceClassification trained for 2 epochs of 4
// batches with AdamW, weight decay by the Trainer's no-decay rule, a linear schedule with 2
// warmup steps and gradient clipping at 1.0, fully or through LoRA adapters (get_peft_model,
// src/peft). Step-1 gradients within 1e-5, per-step loss and grad_norm within 1e-4 relative,
// final parameters within 1e-4, through the C++ API a custom loop would use.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cuddle/autograd.h"
#include "cuddle/lr_scheduler.h"
#include "cuddle/models.h"
#include "cuddle/ops.h"
#include "cuddle/optim.h"
#include "cuddle/peft.h"
#include "cuddle/tokenizer.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::fixture;

nlohmann::json reference(const std::string& dir) {
  std::ifstream f(dir + "/reference.json");
  return nlohmann::json::parse(f);
}

Tensor ids_tensor(const std::vector<std::vector<uint32_t>>& rows) {
  const int64_t B = static_cast<int64_t>(rows.size()), S = static_cast<int64_t>(rows[0].size());
  Tensor t = Tensor::empty({B, S}, DType::I64);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) t.data<int64_t>()[b * S + s] = rows[static_cast<size_t>(b)][static_cast<size_t>(s)];
  return t;
}

// The batch the reference took: texts [first, first + n) padded to the longest, truncated at 32.
ModelInputs batch(const AutoTokenizer& tok, const nlohmann::json& ref, size_t first, size_t n) {
  std::vector<std::string> texts;
  std::vector<int64_t> labels;
  for (size_t i = first; i < first + n; ++i) {
    texts.push_back(ref["texts"][i]);
    labels.push_back(ref["labels"][i]);
  }
  CallOptions opts;
  opts.padding = "longest";
  opts.truncation = true;
  opts.max_length = 32;
  const BatchEncoding enc = tok(texts, opts);
  ModelInputs in;
  in.input_ids = ids_tensor(enc.input_ids);
  in.attention_mask = ids_tensor(enc.attention_mask);
  if (!enc.token_type_ids.empty()) in.token_type_ids = ids_tensor(enc.token_type_ids);
  in.labels = Tensor::from_vector(labels, {static_cast<int64_t>(labels.size())});
  return in;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const Tensor x = a.contiguous().to(DType::F32), y = b.contiguous().to(DType::F32);
  double m = 0.0;
  for (int64_t i = 0; i < x.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(x.data<float>()[i]) - y.data<float>()[i]));
  return m;
}

// The reference loop: batches in file order, forward with loss, backward, clip, AdamW,
// schedule. Parameters carry the reference's names, which key its gradient and final files.
void train_like_reference(const std::string& dir, const PreTrainedModel& model, std::vector<training::ParamGroup> groups) {
  const nlohmann::json ref = reference(dir);
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(dir);
  const size_t batch_size = ref["batch_size"], n = ref["texts"].size();
  const int64_t epochs = ref["epochs"];
  const int64_t steps_per_epoch = static_cast<int64_t>(n / batch_size);
  training::AdamW opt(std::move(groups), {ref["adam"]["betas"][0], ref["adam"]["betas"][1], ref["adam"]["eps"]});
  training::LRScheduler sched(opt, {.type = ref["schedule"], .warmup_steps = ref["warmup_steps"],
                                    .total_steps = steps_per_epoch * epochs});
  const auto params = training::all_parameters(opt);
  const SafetensorsFile grads = SafetensorsFile::open(dir + "/first_step_grads.safetensors");

  int64_t step = 0;
  for (int64_t e = 0; e < epochs; ++e) {
    for (int64_t b = 0; b < steps_per_epoch; ++b) {
      const auto& h = ref["history"][static_cast<size_t>(step)];
      EXPECT_NEAR(opt.param_groups()[0].lr, h["lr"].get<double>(), 1e-12) << "step " << step + 1;
      const ModelInputs in = batch(tok, ref, static_cast<size_t>(b) * batch_size, batch_size);
      const Tensor loss = model.forward_with_loss(in).get("loss");
      loss.backward();
      ++step;
      if (step == 1) {
        double worst = 0.0;
        std::string worst_name;
        for (const auto& p : params) {
          ASSERT_TRUE(grads.contains("grad:" + p.name)) << p.name;
          ASSERT_TRUE(p.tensor.grad().defined()) << p.name << " got no gradient";
          const double d = max_abs_diff(p.tensor.grad(), grads.tensor("grad:" + p.name));
          if (d > worst) worst = d, worst_name = p.name;
        }
        EXPECT_LT(worst, 1e-5) << "worst step-1 gradient: " << worst_name;
        std::printf("step-1 gradients of %zu parameters: max abs diff %.3g (%s)\n", params.size(), worst,
                    worst_name.c_str());
      }
      const double norm = training::clip_grad_norm(params, ref["max_grad_norm"]);
      const double ref_loss = h["loss"], ref_norm = h["grad_norm"];
      const double loss_v = loss.data<float>()[0];
      EXPECT_NEAR(loss_v, ref_loss, 1e-4 * std::abs(ref_loss)) << "step " << step;
      EXPECT_NEAR(norm, ref_norm, 1e-4 * std::abs(ref_norm)) << "step " << step;
      std::printf("step %lld: loss %.7f (ref %.7f), grad_norm %.7f (ref %.7f)\n", static_cast<long long>(step), loss_v,
                  ref_loss, norm, ref_norm);
      opt.step();
      sched.step();
      opt.zero_grad();
    }
  }
  const SafetensorsFile final_params = SafetensorsFile::open(dir + "/final_params.safetensors");
  double worst = 0.0;
  std::string worst_name;
  for (const auto& p : params) {
    ASSERT_TRUE(final_params.contains(p.name)) << p.name;
    const double d = max_abs_diff(p.tensor, final_params.tensor(p.name));
    if (d > worst) worst = d, worst_name = p.name;
  }
  EXPECT_LT(worst, 1e-4) << worst_name;
  std::printf("final parameters: max abs diff %.3g (%s)\n", worst, worst_name.c_str());
}

TEST(TrainParity, FullFineTuningMatchesTransformers) {
  const std::string dir = fixture("models/train-bert-seqcls");
  auto model = load_model(dir + "/initial", ModelTask::SequenceClassification);
  nn::make_trainable(*model);
  model->train();
  const nlohmann::json ref = reference(dir);
  train_like_reference(dir, *model, training::decay_parameter_groups(*model, ref["lr"], ref["weight_decay"]));
}

TEST(TrainParity, LoraThroughGetPeftModelMatchesPeft) {
  // LoRA r 4, alpha 8 on query and value; the classifier trained whole (the SEQ_CLS head
  // peft adds to modules_to_save); the rest frozen. get_peft_model with the reference's
  // config, then its initial adapter values copied in (peft's init draws from torch's RNG).
  const std::string dir = fixture("models/train-lora-bert-seqcls");
  std::shared_ptr<PreTrainedModel> model = load_model(dir + "/base", ModelTask::SequenceClassification);
  peft::PeftModel lora =
      peft::get_peft_model(model, peft::LoraConfig::from_pretrained(dir + "/initial_adapter"));
  lora.model().train();
  const SafetensorsFile initial = SafetensorsFile::open(dir + "/initial_adapter/adapter_model.safetensors");
  for (training::Parameter& p : lora.trainable_parameters()) {
    // base_model.model.X.lora_A.default.weight -> base_model.model.X.lora_A.weight, and
    // X.modules_to_save.default.weight -> X.weight: the saved layout.
    std::string key = p.name;
    for (const std::string part : {".modules_to_save.default", ".default"})
      if (auto at = key.find(part); at != std::string::npos) key.erase(at, part.size());
    ASSERT_TRUE(initial.contains(key)) << key;
    const Tensor src = initial.tensor(key);
    ASSERT_EQ(src.shape(), p.tensor.shape()) << key;
    std::copy_n(src.data<float>(), src.numel(), p.tensor.data<float>());
  }
  const nlohmann::json ref = reference(dir);
  const auto groups = lora.parameter_groups(ref["lr"], ref["weight_decay"]);
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups[0].params.size() + groups[1].params.size(), 10u);
  lora.print_trainable_parameters();
  train_like_reference(dir, *model, groups);
}

}  // namespace
}  // namespace cuddle
