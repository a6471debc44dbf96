// The Trainer's model card for the real langid-bert run (the vendored trainer_state.json plus
// the end-of-training summary entry the Trainer appends), checked against the card written
// out by hand from transformers' modelcard.py rules: values rounded to 4 decimals when their
// repr has more, columns padded to the widest cell, eval_loss first.
#include <gtest/gtest.h>

#include "cuddle/trainer_card.h"
#include "test_util.h"

namespace tr = cuddle::training;
using Json = nlohmann::ordered_json;

namespace {

tr::TrainerCardInfo langid_info() {
  tr::TrainerCardInfo info;
  info.model_name = "langid-bert";
  info.base_model = "google-bert/bert-base-uncased";
  info.dataset = "fortunes_langid";
  info.task = "text-classification";
  info.license = "apache-2.0";
  const Json state = Json::parse(
      cuddle::test::read_file(cuddle::test::fixture("trainer_layout/langid-bert/checkpoint-1248/trainer_state.json")));
  info.log_history = state["log_history"];
  info.log_history.push_back(Json::parse(R"({"epoch": 6.0, "step": 1248, "total_flos": 25336348173840.0,
      "train_loss": 0.31, "train_runtime": 40.12, "train_samples_per_second": 1495.5, "train_steps_per_second": 31.1})"));
  info.training_args = Json::parse(R"({"output_dir": "/tmp/run_langid", "learning_rate": 0.0005,
      "per_device_train_batch_size": 64, "per_device_eval_batch_size": 128, "seed": 42, "num_train_epochs": 6.0,
      "warmup_steps": 100, "lr_scheduler_type": "linear", "optim": "adamw_torch", "weight_decay": 0.01})");
  return info;
}

}  // namespace

TEST(TrainerCard, LangidRunAsTransformersWritesIt) {
  const std::string expected = R"(---
library_name: transformers
license: apache-2.0
base_model: google-bert/bert-base-uncased
tags:
- generated_from_trainer
datasets:
- fortunes_langid
metrics:
- accuracy
model-index:
- name: langid-bert
  results:
  - task:
      name: Text Classification
      type: text-classification
    dataset:
      name: fortunes_langid
      type: fortunes_langid
    metrics:
    - name: Accuracy
      type: accuracy
      value: 0.989
---

<!-- This model card has been generated automatically according to the information the Trainer had access to. You
should probably proofread and complete it, then remove this comment. -->

# langid-bert

This model is a fine-tuned version of [google-bert/bert-base-uncased](https://huggingface.co/google-bert/bert-base-uncased) on the fortunes_langid dataset.
It achieves the following results on the evaluation set:
- Loss: 0.0628
- Accuracy: 0.989

## Model description

More information needed

## Intended uses & limitations

More information needed

## Training and evaluation data

More information needed

## Training procedure

### Training hyperparameters

The following hyperparameters were used during training:
- learning_rate: 0.0005
- train_batch_size: 64
- eval_batch_size: 128
- seed: 42
- optimizer: Use OptimizerNames.ADAMW_TORCH with betas=(0.9,0.999) and epsilon=1e-08 and optimizer_args=No additional optimizer arguments
- lr_scheduler_type: linear
- lr_scheduler_warmup_steps: 100
- num_epochs: 6.0

### Training results

| Training Loss | Epoch | Step | Validation Loss | Accuracy |
|:-------------:|:-----:|:----:|:---------------:|:--------:|
| 0.8735        | 1.0   | 208  | 0.5632          | 0.898    |
| 0.1675        | 2.0   | 416  | 0.1535          | 0.965    |
| 0.0626        | 3.0   | 624  | 0.0693          | 0.989    |
| 0.0250        | 4.0   | 832  | 0.0651          | 0.988    |
| 0.0149        | 5.0   | 1040 | 0.0611          | 0.991    |
| 0.0115        | 6.0   | 1248 | 0.0628          | 0.989    |


### Framework versions

- cuddle 0.1.0
)";
  EXPECT_EQ(tr::trainer_model_card(langid_info()), expected);
}

TEST(TrainerCard, FromScratchWithFinalMetricsAndAccumulation) {
  tr::TrainerCardInfo info;
  info.model_name = "scratch";
  info.task = "text-classification";
  info.training_args = Json::parse(R"({"learning_rate": 2e-05, "per_device_train_batch_size": 8,
      "gradient_accumulation_steps": 4, "max_steps": 500, "warmup_ratio": 0.1, "label_smoothing_factor": 0.1})");
  info.eval_metrics = Json::parse(
      R"({"epoch": 2.0, "eval_f1": 0.8, "eval_loss": 0.5, "eval_matthews_correlation": 0.61234, "eval_runtime": 1.5})");
  const std::string card = tr::trainer_model_card(info);
  for (const char* part : {
           "metrics:\n- f1\n- matthews_correlation\nmodel-index:\n- name: scratch\n  results: []\n---\n",
           "This model was trained from scratch on an unknown dataset.\n",
           "evaluation set:\n- Loss: 0.5\n- F1: 0.8\n- Matthews Correlation: 0.6123\n\n## Model description",
           "- learning_rate: 2e-05\n- train_batch_size: 8\n- eval_batch_size: 8\n- seed: 42\n"
           "- gradient_accumulation_steps: 4\n- total_train_batch_size: 32\n",
           "- lr_scheduler_type: linear\n- lr_scheduler_warmup_ratio: 0.1\n- training_steps: 500\n"
           "- label_smoothing_factor: 0.1\n\n### Framework versions",
       })
    EXPECT_NE(card.find(part), std::string::npos) << part << "\n----\n" << card;
  EXPECT_EQ(card.find("license:"), std::string::npos);
  EXPECT_EQ(card.find("### Training results"), std::string::npos);  // no training summary entry
}

TEST(TrainerCard, EvaluationBeforeAnyTrainingLoss) {
  tr::TrainerCardInfo info;
  info.model_name = "m";
  info.log_history = Json::parse(R"([
      {"epoch": 0.0, "eval_loss": 2.0, "eval_accuracy": 0.1, "eval_runtime": 0.5, "step": 0},
      {"epoch": 0.5, "loss": 1.23456, "grad_norm": 3.0, "learning_rate": 1e-05, "step": 5},
      {"epoch": 1.0, "eval_loss": 1.0, "eval_accuracy": 0.5, "eval_runtime": 0.5, "step": 10},
      {"epoch": 1.0, "step": 10, "train_runtime": 3.0, "train_loss": 1.2}])");
  const std::string card = tr::trainer_model_card(info);
  EXPECT_NE(card.find("| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n"
                      "|:-------------:|:-----:|:----:|:---------------:|:--------:|\n"
                      "| No log        | 0.0   | 0    | 2.0             | 0.1      |\n"
                      "| 1.2346        | 1.0   | 10   | 1.0             | 0.5      |\n"),
            std::string::npos)
      << card;
  EXPECT_NE(card.find("- Loss: 1.0\n- Accuracy: 0.5\n"), std::string::npos);
}

TEST(TrainerCard, WritesReadmeAndRejectsBadInput) {
  cuddle::test::TempDir dir;
  const std::string path = tr::write_trainer_model_card(dir.path(), langid_info());
  EXPECT_EQ(path, dir / "README.md");
  EXPECT_EQ(cuddle::test::read_file(path), tr::trainer_model_card(langid_info()));
  tr::TrainerCardInfo bad = langid_info();
  bad.model_name.clear();
  EXPECT_NE(cuddle::test::error_of([&] { tr::trainer_model_card(bad); }).find("model name"), std::string::npos);
  bad = langid_info();
  bad.training_args = Json::array();
  EXPECT_NE(cuddle::test::error_of([&] { tr::trainer_model_card(bad); }).find("training arguments"), std::string::npos);
}
