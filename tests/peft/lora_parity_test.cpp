// LoRA parity with peft 0.21 (fixtures models/lora-bert-seqcls and lora-llama-causal): logits
// with the adapter, merged, and the merged state dict. fp32 tolerances: logits 1e-4
// absolute (measured values printed), merged weights 1e-6.
#include <gtest/gtest.h>

#include "cuddle/autograd.h"
#include "cuddle/peft.h"
#include "lora_util.h"
#include "test_util.h"

namespace cuddle {
namespace {

using test::fixture;
using test::max_abs_diff;

TEST(LoraParity, BertSeqclsWithAdapterMergedAndDisabled) {
  const std::string dir = fixture("models/lora-bert-seqcls");
  std::shared_ptr<PreTrainedModel> base = load_model(fixture("models/bert-seqcls"), ModelTask::SequenceClassification);
  const ModelInputs in = test::reference_inputs(dir + "/reference.safetensors");
  const Tensor base_logits = base->forward(in, false).get("logits").clone();
  const SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");

  peft::PeftModel lora = peft::PeftModel::from_pretrained(base, dir);
  const double d_adapter = max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter"));
  EXPECT_LT(d_adapter, 1e-4);
  {
    auto off = lora.disable_adapter();
    EXPECT_EQ(max_abs_diff(lora.forward(in).get("logits"), base_logits), 0.0);
  }
  lora.merge_adapter();
  const double d_merged = max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_merged"));
  EXPECT_LT(d_merged, 1e-4);
  lora.unmerge_adapter();
  EXPECT_LT(max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter")), 1e-4);

  std::shared_ptr<PreTrainedModel> merged = lora.merge_and_unload();
  const SafetensorsFile want = SafetensorsFile::open(dir + "/merged_state_dict.safetensors");
  double worst = 0.0;
  size_t n = 0;
  for (const auto& slot : merged->named_parameters()) {
    ASSERT_TRUE(want.contains(slot.name)) << slot.name;
    worst = std::max(worst, max_abs_diff(*slot.tensor, want.tensor(slot.name)));
    ++n;
  }
  EXPECT_EQ(n, want.names().size());
  EXPECT_LT(worst, 1e-6);
  EXPECT_LT(max_abs_diff(merged->forward(in, false).get("logits"), ref.tensor("logits_merged")), 1e-4);
  std::printf("lora-bert-seqcls: adapter %.3g, merged %.3g, merged state dict %.3g (%zu tensors)\n", d_adapter,
              d_merged, worst, n);
}

TEST(LoraParity, LlamaCausalWithAdapter) {
  const std::string dir = fixture("models/lora-llama-causal");
  std::shared_ptr<PreTrainedModel> base = load_model(fixture("models/llama-causal"), ModelTask::CausalLM);
  peft::PeftModel lora = peft::PeftModel::from_pretrained(base, dir);
  const ModelInputs in = test::reference_inputs(dir + "/reference.safetensors");
  const SafetensorsFile ref = SafetensorsFile::open(dir + "/reference.safetensors");
  const double d = max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter"));
  EXPECT_LT(d, 1e-4);
  // Merged, the fused q|k|v GEMM runs again on the merged weights.
  lora.merge_adapter();
  const double dm = max_abs_diff(lora.forward(in).get("logits"), ref.tensor("logits_with_adapter"));
  EXPECT_LT(dm, 1e-4);
  std::printf("lora-llama-causal: adapter %.3g, merged %.3g\n", d, dm);
}

}  // namespace
}  // namespace cuddle
