// `cuddle train token-classification` and `cuddle train fill-mask` (run_ner.py and
// run_mlm.py): label alignment to sub-tokens against hand-derived expectations on the
// bert-ner tokenizer (its vocabulary is single characters, so a word of k letters is k
// tokens), the collators' padding, the MLM masking rates and the never-mask-special rule,
// short end-to-end runs (step 1's logged loss is the model's own loss on that batch; the
// folder runs in `cuddle pipeline`), run_mlm.py's perplexity, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include <iterator>

#include "cuddle/load_dataset.h"
#include "cuddle/random.h"
#include "cuddle/train_tasks.h"
#include "test_util.h"

namespace cuddle::training {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::fixture;
using test::run_cli;
using test::TempDir;

const std::string kNer = fixture("models/bert-ner");  // labels O B-PER I-PER B-LOC I-LOC

datasets::Dataset ner_rows(const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>& rows) {
  std::vector<datasets::Json> out;
  for (const auto& [tokens, tags] : rows) {
    datasets::Json r;
    r["tokens"] = tokens;
    r["ner_tags"] = tags;
    out.push_back(r);
  }
  return datasets::Dataset::from_rows(out);
}

std::vector<int64_t> labels_of(const datasets::Dataset& ds, int64_t row) {
  return ds.row(row)["labels"].get<std::vector<int64_t>>();
}

// "Jo is in Rome ." is j ##o | i ##s | i ##n | r ##o ##m ##e | . between [CLS] and [SEP].
const auto kSentence = ner_rows({{{"Jo", "is", "in", "Rome", "."}, {"B-PER", "O", "O", "B-LOC", "O"}}});

TEST(TokenClassification, LabelsGoOnTheFirstSubTokenOfEachWord) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kNer);
  const LabelSet labels = label_set_for(kNer, ModelTask::TokenClassification, kSentence, "ner_tags");
  ASSERT_TRUE(labels.from_model);
  const auto ds = tokenize_for_token_classification(tok, kSentence, {}, labels, "train");
  EXPECT_EQ(labels_of(ds, 0), (std::vector<int64_t>{-100, 1, -100, 0, -100, 0, -100, 3, -100, -100, -100, 0, -100}));
  const auto ids = ds.row(0)["input_ids"].get<std::vector<int64_t>>();
  EXPECT_EQ(ids.front(), 2);  // [CLS]
  EXPECT_EQ(ids.back(), 3);   // [SEP]
}

TEST(TokenClassification, LabelAllTokensTurnsBIntoIOnLaterSubTokens) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kNer);
  const LabelSet labels = label_set_for(kNer, ModelTask::TokenClassification, kSentence, "ner_tags");
  EXPECT_EQ(b_to_i_labels(labels), (std::vector<int64_t>{0, 2, 2, 4, 4}));
  TokenTaskOptions o;
  o.label_all_tokens = true;
  const auto ds = tokenize_for_token_classification(tok, kSentence, o, labels, "train");
  EXPECT_EQ(labels_of(ds, 0), (std::vector<int64_t>{-100, 1, 2, 0, 0, 0, 0, 3, 4, 4, 4, 0, -100}));
}

TEST(TokenClassification, MaxSeqLengthTruncatesWordsAndLabels) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kNer);
  const LabelSet labels = label_set_for(kNer, ModelTask::TokenClassification, kSentence, "ner_tags");
  TokenTaskOptions o;
  o.max_seq_length = 6;
  const auto ds = tokenize_for_token_classification(tok, kSentence, o, labels, "train");
  EXPECT_EQ(labels_of(ds, 0), (std::vector<int64_t>{-100, 1, -100, 0, -100, -100}));
  EXPECT_EQ(ds.row(0)["input_ids"].size(), 6u);
}

TEST(TokenClassification, StringLabelsAreSortedForANewHead) {
  // langid's config has a sequence-classification head: the token head is sized from the data.
  const auto ds = ner_rows({{{"a", "b", "c"}, {"O", "I-x", "B-x"}}, {{"d"}, {"B-y"}}});
  const LabelSet labels =
      label_set_for(fixture("real/langid/model"), ModelTask::TokenClassification, ds, "ner_tags");
  EXPECT_FALSE(labels.from_model);
  EXPECT_EQ(labels.names, (std::vector<std::string>{"B-x", "B-y", "I-x", "O"}));
  EXPECT_EQ(b_to_i_labels(labels), (std::vector<int64_t>{2, 1, 2, 3}));
}

TEST(TokenClassification, CollatorPadsLabelsWithMinus100) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kNer);
  const auto raw = ner_rows({{{"Jo"}, {"B-PER"}}, {{"Jo", "is"}, {"B-PER", "O"}}});
  const LabelSet labels = label_set_for(kNer, ModelTask::TokenClassification, raw, "ner_tags");
  const auto ds = tokenize_for_token_classification(tok, raw, {}, labels, "train");
  const ModelInputs in = data_collator_for_token_classification({})(ds, {0, 1});
  ASSERT_EQ(in.labels.shape(), (Shape{2, 6}));
  const int64_t* l = in.labels.data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(l, l + 12),
            (std::vector<int64_t>{-100, 1, -100, -100, -100, -100, -100, 1, -100, 0, -100, -100}));
  const int64_t* ids = in.input_ids.data<int64_t>();
  EXPECT_EQ(ids[4], 0);  // [PAD]
  EXPECT_EQ(in.attention_mask.data<int64_t>()[4], 0);
}

TEST(TokenClassification, SeqevalOnWordsAsRunNerReportsIt) {
  LabelSet labels;
  labels.names = {"O", "B-PER", "I-PER"};
  // Two rows of three positions; -100 positions are left out of the words.
  std::vector<float> logits(2 * 3 * 3, 0.0f);
  auto predict = [&](int row, int pos, int label) { logits[size_t((row * 3 + pos) * 3 + label)] = 1.0f; };
  predict(0, 1, 1), predict(0, 2, 2), predict(1, 0, 1), predict(1, 1, 0), predict(1, 2, 0);
  EvalPrediction p;
  p.predictions = Tensor::from_vector(logits, {2, 3, 3});
  p.label_ids = Tensor::from_vector(std::vector<int64_t>{-100, 1, 2, 1, -100, 1}, {2, 3});
  const Metrics m = token_classification_metrics(labels, false)(p);
  // True entities: PER (row 0, words 0-1), PER, PER (row 1); predicted: the first two.
  EXPECT_DOUBLE_EQ(m.at("precision"), 1.0);
  EXPECT_NEAR(m.at("recall"), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.at("accuracy"), 3.0 / 4.0, 1e-12);
  EXPECT_EQ(m.count("overall_f1"), 0u);
  const Metrics entity = token_classification_metrics(labels, true)(p);
  EXPECT_EQ(entity.at("PER_number"), 3);
  EXPECT_EQ(entity.count("overall_f1"), 1u);
  EXPECT_EQ(token_predictions_text(p, labels), "B-PER I-PER\nB-PER O\n");
}

TEST(MaskedLm, GroupTextsCutsBlocksAndLineByLineSkipsBlankLines) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(fixture("models/bert-mlm"));
  std::vector<datasets::Json> rows;
  for (const char* t : {"abc de", "", "fgh", "  "}) rows.push_back(datasets::Json{{"text", t}});
  const auto ds = datasets::Dataset::from_rows(rows);
  // Tokens: [CLS] a ##b ##c d ##e [SEP] | [CLS] [SEP] | [CLS] f ##g ##h [SEP] | [CLS] [SEP]: 16, so 4 blocks
  // of 4, the second d ##e [SEP] [CLS].
  MaskedLmOptions o;
  o.max_seq_length = 4;
  const auto grouped = tokenize_for_masked_lm(tok, ds, o, "train");
  ASSERT_EQ(grouped.num_rows(), 4);
  EXPECT_EQ(grouped.row(1)["special_tokens_mask"].get<std::vector<int64_t>>(), (std::vector<int64_t>{0, 0, 1, 1}));
  o.line_by_line = true;
  const auto lines = tokenize_for_masked_lm(tok, ds, o, "train");
  ASSERT_EQ(lines.num_rows(), 2);
  EXPECT_EQ(lines.row(0)["input_ids"].size(), 4u);  // truncated to 4
  EXPECT_EQ(masked_lm_length(tok, {}), 64);          // model_max_length, under 1024
}

TEST(MaskedLm, MaskingRatesAndSpecialTokensNeverMasked) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(fixture("models/bert-mlm"));
  std::vector<datasets::Json> rows;
  for (int i = 0; i < 400; ++i) rows.push_back(datasets::Json{{"text", "hello world " + std::to_string(i)}});
  MaskedLmOptions o;
  o.line_by_line = true;
  const auto ds = tokenize_for_masked_lm(tok, datasets::Dataset::from_rows(rows), o, "train");
  const LanguageModelingOptions lm = masked_lm_collator_options(tok, 0.15);
  std::vector<int64_t> all;
  for (int64_t i = 0; i < ds.num_rows(); ++i) all.push_back(i);
  manual_seed(7);
  const ModelInputs in = data_collator_for_language_modeling(lm)(ds, all);
  int64_t candidates = 0, targets = 0, masked = 0, kept = 0;
  const int64_t len = in.labels.shape()[1];
  for (int64_t i = 0; i < in.labels.numel(); ++i) {
    const int64_t label = in.labels.data<int64_t>()[i], id = in.input_ids.data<int64_t>()[i];
    const auto special_mask = ds.row(i / len)["special_tokens_mask"].get<std::vector<int64_t>>();
    // [CLS], [SEP] and padding are never targets, so never replaced.
    const bool special = i % len >= int64_t(special_mask.size()) || special_mask[size_t(i % len)] == 1;
    if (special) {
      EXPECT_EQ(label, -100) << "position " << i;
      EXPECT_TRUE(id == 2 || id == 3 || id == 0) << "position " << i;
      continue;
    }
    ++candidates;
    if (label == -100) continue;
    ++targets;
    masked += id == lm.mask_token_id;
    kept += id == label;
  }
  EXPECT_NEAR(double(targets) / double(candidates), 0.15, 0.015);
  EXPECT_NEAR(double(masked) / double(targets), 0.8, 0.04);
  EXPECT_NEAR(double(kept) / double(targets), 0.1 + 0.1 / double(lm.vocab_size), 0.04);
}

// --- end to end ----------------------------------------------------------------------------

std::string jsonl(const std::vector<json>& rows) {
  std::string out;
  for (const auto& r : rows) out += r.dump() + "\n";
  return out;
}

// Short sentences with persons and places, in words and tags.
std::string ner_file(const TempDir& tmp, const std::string& name, int rows) {
  const std::vector<std::string> people = {"Ana", "Bob", "Eve", "Jo"}, places = {"Rome", "Oslo", "Lima", "Kiev"};
  std::vector<json> out;
  for (int i = 0; i < rows; ++i) {
    const std::string& who = people[size_t(i) % 4];
    const std::string& where = places[size_t(i / 4) % 4];
    out.push_back(
        {{"tokens", {who, "Smith", "went", "to", where}}, {"ner_tags", {"B-PER", "I-PER", "O", "O", "B-LOC"}}});
  }
  test::write_file(tmp / name, jsonl(out));
  return tmp / name;
}

json read_json(const std::string& path) { return json::parse(test::read_file(path)); }

TEST(TrainTokenClassification, EndToEndFromTheModelsOwnLossToThePipeline) {
  TempDir tmp;
  const std::string train = ner_file(tmp, "train.jsonl", 16), out = tmp / "out";
  const auto r = run_cli({"train", "token-classification", "--model", kNer, "--train_file", train,
                          "--validation_file", train, "--test_file", train, "--do_train", "--do_eval", "--do_predict",
                          "--output_dir", out, "--per_device_train_batch_size", "4", "--num_train_epochs", "6",
                          "--learning_rate", "5e-3", "--shuffle_train", "false", "--logging_steps", "1",
                          "--save_strategy", "no", "--report_to", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> losses;
  const json state = read_json(out + "/trainer_state.json");
  for (const auto& e : state["log_history"])
    if (e.contains("loss")) losses.push_back(e["loss"]);
  ASSERT_EQ(losses.size(), 24u);

  // Step 1's loss is the fixture model's own loss on rows 0-3, tokenised as the run did.
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kNer);
  const auto raw = datasets::load_dataset(train, "train");
  const LabelSet labels = label_set_for(kNer, ModelTask::TokenClassification, raw, "ner_tags");
  const auto ds = tokenize_for_token_classification(tok, raw, {}, labels, "train");
  const auto model = AutoModelForTokenClassification::from_pretrained(kNer);
  const ModelInputs batch = data_collator_for_token_classification({})(ds, {0, 1, 2, 3});
  const double own = model->forward_with_loss(batch).get("loss").data<float>()[0];
  EXPECT_NEAR(losses.front(), own, 1e-5 * own);
  EXPECT_LT(losses.back(), 0.5 * losses.front());

  const json results = read_json(out + "/all_results.json");
  for (const char* k : {"eval_precision", "eval_recall", "eval_f1", "eval_accuracy", "eval_loss", "predict_f1"})
    EXPECT_TRUE(results.contains(k)) << k;
  EXPECT_GT(results["eval_f1"].get<double>(), 0.5);
  // predictions.txt: one line of word labels per test row.
  std::istringstream lines(test::read_file(out + "/predictions.txt"));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    std::istringstream words(line);
    EXPECT_EQ(std::distance(std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()), 5);
  }
  EXPECT_EQ(n, 16);
  EXPECT_EQ(read_json(out + "/config.json")["architectures"][0], "BertForTokenClassification");
  EXPECT_EQ(read_json(out + "/config.json")["id2label"]["3"], "B-LOC");
  const auto p = run_cli({"pipeline", "token-classification", "--model", out, "--json", "Eve Smith went to Lima"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("\"entity\""), std::string::npos) << p.out;
}

TEST(TrainTokenClassification, NewHeadFromTheDataWithEntityLevelMetrics) {
  // A config-only folder: the head and its label names come from the training data, sorted.
  TempDir tmp;
  const std::string model = tmp / "model";
  fs::create_directories(model);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy_file(kNer + "/" + f, model + "/" + f);
  json cfg = read_json(kNer + "/config.json");
  cfg["architectures"] = {"BertForMaskedLM"};
  test::write_file(model + "/config.json", cfg.dump());
  const std::string train = ner_file(tmp, "train.jsonl", 8), out = tmp / "out";
  const auto r = run_cli({"train", "token-classification", "--model", model, "--train_file", train,
                          "--validation_file", train, "--do_train", "--do_eval", "--output_dir", out,
                          "--max_steps", "2", "--return_entity_level_metrics", "--label_all_tokens",
                          "--report_to", "none", "--save_strategy", "no"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json results = read_json(out + "/eval_results.json");
  for (const char* k : {"eval_overall_f1", "eval_PER_f1", "eval_LOC_number"}) EXPECT_TRUE(results.contains(k)) << k;
  EXPECT_EQ(read_json(out + "/config.json")["id2label"]["0"], "B-LOC");
}

TEST(TrainTokenClassification, UsePeftTrainsALoraAdapterWithTheTokenHead) {
  TempDir tmp;
  const std::string train = ner_file(tmp, "train.jsonl", 8), out = tmp / "out";
  const auto r = run_cli({"train", "token-classification", "--model", kNer, "--train_file", train, "--output_dir", out,
                          "--max_steps", "2", "--use_peft", "--report_to", "none", "--save_strategy", "no"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json cfg = read_json(out + "/adapter_config.json");
  EXPECT_EQ(cfg["task_type"], "TOKEN_CLS");
  EXPECT_NE(cfg["modules_to_save"].dump().find("classifier"), std::string::npos) << cfg.dump();
}

TEST(TrainFillMask, EndToEndReportsPerplexity) {
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 60; ++i) text += "the cat sat on the mat number " + std::to_string(i % 7) + "\n";
  test::write_file(tmp / "train.txt", text);
  const std::string out = tmp / "out";
  const auto r = run_cli({"train", "fill-mask", "--model", fixture("models/bert-mlm"), "--train_file",
                          tmp / "train.txt", "--do_train", "--do_eval", "--output_dir", out, "--max_seq_length", "16",
                          "--num_train_epochs", "2", "--learning_rate", "1e-3", "--logging_steps", "1",
                          "--save_strategy", "no", "--report_to", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json results = read_json(out + "/eval_results.json");
  ASSERT_TRUE(results.contains("perplexity")) << results.dump();
  EXPECT_NEAR(results["perplexity"].get<double>(), std::exp(results["eval_loss"].get<double>()), 1e-9);
  EXPECT_TRUE(results.contains("eval_accuracy"));
  EXPECT_EQ(read_json(out + "/config.json")["architectures"][0], "BertForMaskedLM");
  // 5% of the 60 lines (3, 26 tokens each) held out for evaluation as run_mlm.py's
  // validation_split_percentage does: 78 tokens, 4 blocks of 16; 57 lines, 92 blocks.
  EXPECT_EQ(results["eval_samples"], 4);
  EXPECT_EQ(read_json(out + "/train_results.json")["train_samples"], 92);
  const auto p = run_cli({"pipeline", "fill-mask", "--model", out, "the cat [MASK] on the mat"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
}

TEST(TrainTasks, BadInputGetsOneClearError) {
  TempDir tmp;
  const std::string good = ner_file(tmp, "good.jsonl", 4);
  auto err = [&](const std::vector<json>& rows, const std::vector<std::string>& extra = {}) {
    test::write_file(tmp / "bad.jsonl", jsonl(rows));
    std::vector<std::string> args = {"train", "token-classification", "--model", kNer, "--train_file", good,
                                     "--validation_file", tmp / "bad.jsonl", "--do_train", "--do_eval",
                                     "--output_dir", tmp / "out", "--overwrite_output_dir", "--max_steps", "1",
                                     "--report_to", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_NE(r.exit_code, 0);
    return r.err;
  };
  EXPECT_NE(err({{{"words", {"a"}}, {"ner_tags", {"O"}}}}).find("the tokens column \"tokens\" does not exist"),
            std::string::npos);
  EXPECT_NE(err({{{"tokens", {"a", "b"}}, {"ner_tags", {"O"}}}}).find("row 0 has 2 words in \"tokens\" but 1 labels"),
            std::string::npos);
  EXPECT_NE(err({{{"tokens", {"a"}}, {"ner_tags", {"B-MISC"}}}}).find("validation: row 0 has the label \"B-MISC\""),
            std::string::npos);
  EXPECT_NE(err({{{"tokens", "a b"}, {"ner_tags", {"O"}}}}).find("is not a list of words"), std::string::npos);
  // fill-mask: no mask token, and no prediction step in run_mlm.py.
  test::write_file(tmp / "t.txt", "a b c\n");
  const auto r = run_cli({"train", "fill-mask", "--model", fixture("models/bert-mlm"), "--train_file", tmp / "t.txt",
                          "--do_predict", "--test_file", tmp / "t.txt", "--output_dir", tmp / "o2"});
  EXPECT_NE(r.err.find("--do_predict is not part of run_mlm.py"), std::string::npos) << r.err;
  const auto tiny = run_cli({"train", "fill-mask", "--model", fixture("models/bert-mlm"), "--train_file",
                             tmp / "t.txt", "--validation_split_percentage", "0", "--output_dir", tmp / "o3"});
  EXPECT_NE(tiny.err.find("fewer tokens than one block of 64"), std::string::npos) << tiny.err;
}

}  // namespace
}  // namespace cuddle::training
