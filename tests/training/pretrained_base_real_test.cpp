// Real results from a pretrained base, the way most fine-tunes start: langid-mlm-base is
// langid-bert's architecture pretrained by `cuddle train fill-mask` on the language-ID
// training texts alone (no labels; tests/fixtures/real/models/langid-mlm-base/README.md has
// the command). On it:
// - a LoRA fine-tune (r 8 on query / value, the classifier trained and saved in full, every
//   other weight frozen) trains under 1% of the parameters (the test prints the share) and
//   reaches the held-out accuracy measured below. The PEFT issue asks for 0.95: this base,
//   5 epochs of MLM on 13k short texts (eval perplexity 597), is too weak for that; a
//   longer-pretrained base is the open part;
// - extractive QA (`cuddle train question-answering`) on quotes_qa, real fortunes whose
//   attribution answers "Who is quoted?", reaches the SQuAD F1 measured below.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "test_util.h"

namespace cuddle {
namespace {

using test::fixture;

const std::string kBase = fixture("real/models/langid-mlm-base");

TEST(PretrainedBaseReal, LoraOnQueryValueReachesHeldOutAccuracyUnderOnePercent) {
  test::TempDir tmp;
  const std::string data = fixture("real/langid"), out = tmp / "out";
  const auto r = test::run_cli(
      {"train", "text-classification", "--model", kBase, "--train_file", data + "/train.jsonl", "--validation_file",
       data + "/validation.jsonl", "--test_file", data + "/heldout.jsonl", "--do_train", "--do_eval", "--do_predict",
       "--output_dir", out, "--use_peft", "--lora_r", "8", "--lora_alpha", "16", "--lora_dropout", "0",
       "--lora_target_modules", "query,value", "--num_train_epochs", "6", "--per_device_train_batch_size", "64",
       "--per_device_eval_batch_size", "128", "--learning_rate", "1e-2", "--warmup_steps", "50", "--max_seq_length",
       "64", "--pad_to_max_length", "false", "--save_strategy", "no", "--logging_steps", "50", "--seed", "42",
       "--report_to", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // peft's print_trainable_parameters line, on stderr.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(trainable params: ([\d,]+) \|\| all params: ([\d,]+) \|\| trainable%: ([\d.]+))")))
      << r.err;
  const double percent = std::stod(m[3]);
  const auto results = nlohmann::json::parse(test::read_file(out + "/all_results.json"));
  const double accuracy = results["predict_accuracy"];
  std::cout << "LoRA r 8 on query/value over the MLM-pretrained base, 6 epochs: held-out accuracy " << accuracy
            << " on 1500 texts, validation " << results["eval_accuracy"] << ", trainable " << m[1] << " of " << m[2]
            << " parameters (" << percent << "%), train runtime " << results["train_runtime"] << " s\n";
  EXPECT_LT(percent, 1.0);
  EXPECT_GE(accuracy, 0.87);  // measured 0.897 (validation 0.895; 8 epochs gave 0.908)
  // What was saved is the adapter and the classifier, not the base.
  const auto cfg = nlohmann::json::parse(test::read_file(out + "/adapter_config.json"));
  EXPECT_EQ(cfg["r"], 8);
  EXPECT_FALSE(std::filesystem::exists(out + "/model.safetensors"));
  // Not run through `cuddle pipeline`: an MLM checkpoint has no pooler, so the classifier
  // model's pooler was freshly initialised for training and frozen, and the adapter does
  // not carry it (peft would not either); a later load would initialise another one.
}

TEST(PretrainedBaseReal, QuestionAnsweringOnQuotesReachesSquadF1) {
  test::TempDir tmp;
  const std::string data = fixture("data/quotes_qa"), out = tmp / "out";
  const auto r = test::run_cli(
      {"train", "question-answering", "--model", kBase, "--train_file", data + "/train.jsonl", "--validation_file",
       data + "/validation.jsonl", "--do_train", "--do_eval", "--output_dir", out, "--max_seq_length", "128",
       "--doc_stride", "32", "--num_train_epochs", "4", "--per_device_train_batch_size", "32",
       "--learning_rate", "1e-3", "--warmup_steps", "20", "--save_strategy", "no", "--logging_steps", "50",
       "--seed", "42", "--report_to", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto results = nlohmann::json::parse(test::read_file(out + "/all_results.json"));
  const double f1 = results["eval_f1"], exact = results["eval_exact_match"];
  std::cout << "question answering on quotes_qa from the MLM-pretrained base: validation F1 " << f1
            << ", exact match " << exact << " (200 questions), train runtime " << results["train_runtime"] << " s\n";
  EXPECT_GE(f1, 60.0);  // measured 71.9 (exact match 55.0)
}

}  // namespace
}  // namespace cuddle
