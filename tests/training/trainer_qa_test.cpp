// `cuddle train question-answering` (run_qa.py): the doc_stride windows and their answer
// positions checked against the context's characters on the bert-qa tokenizer, utils_qa's
// post-processing on hand-made logits, squad_v2 against values worked out by hand from the
// official script's rules, short end-to-end runs on quotes_qa (real fortunes and their
// attributions; step 1's logged loss is the model's own QA loss on that batch), and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/load_dataset.h"
#include "cuddle/metrics.h"
#include "cuddle/train_tasks.h"
#include "test_util.h"

namespace cuddle::training {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::fixture;
using test::run_cli;
using test::TempDir;

const std::string kQa = fixture("models/bert-qa");
const std::string kQuotes = fixture("data/quotes_qa");

json read_json(const std::string& path) { return json::parse(test::read_file(path)); }

datasets::Dataset qa_rows(const std::vector<json>& rows) {
  std::vector<datasets::Json> out(rows.begin(), rows.end());
  return datasets::Dataset::from_rows(out);
}

// A context of numbered words, long enough for several windows, with the answer in it.
const std::string kContext =
    "alpha one beta two gamma three delta four epsilon five zeta six eta seven theta eight iota nine kappa ten "
    "lambda eleven mu twelve nu thirteen xi fourteen omicron fifteen pi sixteen rho seventeen sigma eighteen "
    "tau nineteen upsilon twenty phi twentyone chi twentytwo psi twentythree omega twentyfour";

json example(const std::string& id, const std::string& answer) {
  const size_t at = kContext.find(answer);
  json answers = {{"text", json::array()}, {"answer_start", json::array()}};
  if (at != std::string::npos) answers = {{"text", {answer}}, {"answer_start", {at}}};
  return {{"id", id}, {"question", "  which word?"}, {"context", kContext}, {"answers", answers}};
}

// bert-qa's vocabulary is single characters: a word of k letters is k tokens.
TEST(QuestionAnswering, EveryWindowPointsAtTheAnswerOrAtCls) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kQa);
  QaOptions o;
  o.max_seq_length = 64;
  o.doc_stride = 8;
  const std::string answer = "sigma eighteen";
  const QaFeatures f = prepare_qa_train_features(tok, qa_rows({example("a", answer)}), o, "train");
  const int64_t n = f.inputs.num_rows();
  ASSERT_GT(n, 3) << "the context must need several windows";
  const size_t begin = kContext.find(answer), end = begin + answer.size();
  // The same windows with their offsets, from the evaluation builder.
  const QaFeatures ev = prepare_qa_eval_features(tok, qa_rows({example("a", answer)}), o, "validation");
  ASSERT_EQ(ev.inputs.num_rows(), n);
  int holding = 0;
  for (int64_t i = 0; i < n; ++i) {
    const json row = f.inputs.row(i);
    EXPECT_EQ(row["input_ids"].size(), 64u) << "padded to max_seq_length";
    const int64_t s = row["start_positions"], e = row["end_positions"];
    const auto& offsets = ev.context_offsets[size_t(i)];
    bool inside = false;  // whether this window's context holds the whole answer
    size_t first = SIZE_MAX, last = 0;
    for (const auto& off : offsets)
      if (off) first = std::min(first, off->first), last = std::max(last, off->second);
    inside = first <= begin && last >= end;
    if (!inside) {
      EXPECT_EQ(s, 0) << "window " << i << ": an answer outside the window points at [CLS]";
      EXPECT_EQ(e, 0);
      continue;
    }
    ++holding;
    ASSERT_TRUE(offsets[size_t(s)] && offsets[size_t(e)]) << "window " << i;
    EXPECT_EQ(offsets[size_t(s)]->first, begin) << "window " << i;
    EXPECT_EQ(offsets[size_t(e)]->second, end) << "window " << i;
  }
  EXPECT_GE(holding, 1);
  // Consecutive windows share doc_stride context tokens.
  for (int64_t i = 0; i + 1 < n; ++i) {
    std::vector<std::pair<size_t, size_t>> a, b;
    for (const auto& off : ev.context_offsets[size_t(i)])
      if (off) a.push_back(*off);
    for (const auto& off : ev.context_offsets[size_t(i + 1)])
      if (off) b.push_back(*off);
    ASSERT_GE(a.size(), 8u);
    EXPECT_EQ(std::vector(a.end() - 8, a.end()), std::vector(b.begin(), b.begin() + 8)) << "windows " << i;
  }
  EXPECT_EQ(f.example, std::vector<int64_t>(size_t(n), 0));
  // The question's leading spaces are stripped as run_qa.py strips them: [CLS] w h i c h ...
  EXPECT_EQ(tok.decode({uint32_t(f.inputs.row(0)["input_ids"][1].get<int64_t>())}), "w");
}

TEST(QuestionAnswering, UnansweredExamplesPointAtCls) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kQa);
  QaOptions o;
  o.max_seq_length = 48;
  o.doc_stride = 8;
  const QaFeatures f = prepare_qa_train_features(tok, qa_rows({example("n", "not in the context")}), o, "train");
  for (int64_t i = 0; i < f.inputs.num_rows(); ++i) {
    EXPECT_EQ(f.inputs.row(i)["start_positions"], 0);
    EXPECT_EQ(f.inputs.row(i)["end_positions"], 0);
  }
}

// Logits that are 0 everywhere except the given (feature, token) start / end values.
Tensor span_logits(const QaFeatures& f, const std::vector<std::tuple<int64_t, int64_t, float, float>>& marks) {
  const int64_t n = f.inputs.num_rows(), len = int64_t(f.context_offsets[0].size());
  Tensor t = Tensor::zeros({n, len, 2});
  for (const auto& [feature, token, start, end] : marks) {
    t.data<float>()[(feature * len + token) * 2] = start;
    t.data<float>()[(feature * len + token) * 2 + 1] = end;
  }
  return t;
}

// The first token of window `i` whose context span starts at character `at`.
int64_t token_at(const QaFeatures& f, int64_t i, size_t at) {
  const auto& offsets = f.context_offsets[size_t(i)];
  for (size_t t = 0; t < offsets.size(); ++t)
    if (offsets[t] && offsets[t]->first == at) return int64_t(t);
  return -1;
}

TEST(QuestionAnswering, PostProcessingPicksTheBestSpanOverAllWindows) {
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kQa);
  QaOptions o;
  o.max_seq_length = 64;
  o.doc_stride = 16;
  const datasets::Dataset examples = qa_rows({example("a", "upsilon twenty")});
  const QaFeatures f = prepare_qa_eval_features(tok, examples, o, "validation");
  // A later window holding the whole answer ("twenty" is its last word: its last token ends
  // where "twenty" does).
  const size_t up = kContext.find("upsilon"), twenty = kContext.find("twenty phi");
  int64_t last = f.inputs.num_rows() - 1, s = -1, e = -1;
  for (; last > 0 && (s < 0 || e < 0); --last) {
    s = token_at(f, last, up);
    e = token_at(f, last, twenty);
  }
  ++last;
  ASSERT_GT(last, 0);
  ASSERT_GE(s, 0);
  e += 5;  // t w e n t y: the span's end token
  ASSERT_EQ(f.context_offsets[size_t(last)][size_t(e)]->second, twenty + 6);
  // The best span is in the last window; the first window has a weaker one. The null
  // score (start + end logit at [CLS]) loses.
  const int64_t s0 = token_at(f, 0, 0);
  const Tensor logits = span_logits(f, {{last, s, 5.0f, 0.0f}, {last, e, 0.0f, 4.0f}, {0, s0, 3.0f, 3.0f}});
  auto p = postprocess_qa_predictions(examples, f, logits, o);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].id, "a");
  EXPECT_EQ(p[0].prediction_text, "upsilon twenty");
  ASSERT_EQ(p[0].nbest.size(), 20u);
  EXPECT_FLOAT_EQ(p[0].nbest[0].score, 9.0f);
  EXPECT_EQ(p[0].nbest[1].text, "a");  // 3 + 3 in window 0, on alpha's first letter
  double sum = 0;
  for (size_t i = 0; i < p[0].nbest.size(); ++i) {
    sum += p[0].nbest[i].probability;
    if (i) {
      EXPECT_GE(p[0].nbest[i - 1].score, p[0].nbest[i].score);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
  // Spans longer than max_answer_length tokens are not candidates.
  o.max_answer_length = 1;
  EXPECT_EQ(postprocess_qa_predictions(examples, f, logits, o)[0].prediction_text, "a");

  // Version 2: a null score (CLS start + end) above the best span's in every window
  // answers "", and null_odds holds their difference.
  o.max_answer_length = 30;
  o.version_2_with_negative = true;
  std::vector<std::tuple<int64_t, int64_t, float, float>> marks = {{last, s, 5.0f, 0.0f}, {last, e, 0.0f, 4.0f}};
  for (int64_t i = 0; i < f.inputs.num_rows(); ++i) marks.emplace_back(i, 0, 6.0f, 6.0f);
  p = postprocess_qa_predictions(examples, f, span_logits(f, marks), o);
  EXPECT_EQ(p[0].prediction_text, "");
  EXPECT_FLOAT_EQ(float(p[0].null_score_diff), 12.0f - 9.0f);
  // One window unsure (a low null score there) is enough to answer.
  marks.back() = {last, 0, -1.0f, -1.0f};
  p = postprocess_qa_predictions(examples, f, span_logits(f, marks), o);
  EXPECT_EQ(p[0].prediction_text, "upsilon twenty");

  TempDir tmp;
  write_qa_predictions(tmp.path(), "eval", p, true);
  EXPECT_EQ(read_json(tmp / "eval_predictions.json")["a"], "upsilon twenty");
  const auto nbest = nlohmann::ordered_json::parse(test::read_file(tmp / "eval_nbest_predictions.json"))["a"];
  EXPECT_EQ(nbest[0].begin().key(), "start_logit");  // utils_qa's key order
  EXPECT_TRUE(fs::exists(tmp / "eval_null_odds.json"));
}

TEST(QuestionAnswering, SquadV2ScoresAsTheOfficialScript) {
  // q1 answered right, q2 (no answer) answered "", q3 (no answer) answered "x".
  const std::vector<metrics::SquadV2Prediction> preds = {{"q1", "the Cat", 0.0}, {"q2", "", 0.0}, {"q3", "x", 0.0}};
  const std::vector<metrics::SquadReference> refs = {{"q1", {"cat", "a dog"}}, {"q2", {}}, {"q3", {}}};
  const auto s = metrics::squad_v2(preds, refs);
  EXPECT_DOUBLE_EQ(s.at("exact"), 200.0 / 3);
  EXPECT_DOUBLE_EQ(s.at("f1"), 200.0 / 3);
  EXPECT_EQ(s.at("total"), 3);
  EXPECT_DOUBLE_EQ(s.at("HasAns_exact"), 100);
  EXPECT_EQ(s.at("HasAns_total"), 1);
  EXPECT_DOUBLE_EQ(s.at("NoAns_exact"), 50);
  // The threshold sweep starts from "no answer" everywhere (2 right), then q1 (+1), q2
  // (+0), q3 (-1): best 3 of 3 at threshold 0.
  EXPECT_DOUBLE_EQ(s.at("best_exact"), 100);
  EXPECT_DOUBLE_EQ(s.at("best_exact_thresh"), 0);
  // Through the registry, by name.
  const auto r = metrics::compute("squad_v2", json::array({{{"id", "q1"}, {"prediction_text", "cat"},
                                                            {"no_answer_probability", 0.0}}}),
                                  json::array({{{"id", "q1"}, {"answers", {{"text", {"cat"}}, {"answer_start", {0}}}}}}));
  EXPECT_DOUBLE_EQ(r.at("exact"), 100);
}

std::vector<std::string> quotes_run(const std::string& out, std::vector<std::string> extra,
                                    const std::string& validation = "validation.jsonl") {
  std::vector<std::string> args = {"train", "question-answering", "--model", kQa,
                                   "--train_file", kQuotes + "/train.jsonl", "--validation_file",
                                   kQuotes + "/" + validation, "--max_seq_length", "64", "--doc_stride", "16",
                                   "--output_dir", out, "--report_to", "none", "--save_strategy", "no"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(TrainQuestionAnswering, EndToEndFromTheModelsOwnLossToThePredictionFiles) {
  TempDir tmp;
  const std::string out = tmp / "out";
  const auto r = run_cli(quotes_run(out, {"--do_train", "--do_eval", "--do_predict", "--test_file",
                                          kQuotes + "/validation.jsonl", "--max_train_samples", "48",
                                          "--max_eval_samples", "24", "--max_predict_samples", "16",
                                          "--per_device_train_batch_size", "8", "--num_train_epochs", "3",
                                          "--learning_rate", "3e-3", "--shuffle_train", "false",
                                          "--logging_steps", "1"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> losses;
  const json state = read_json(out + "/trainer_state.json");
  for (const auto& e : state["log_history"])
    if (e.contains("loss")) losses.push_back(e["loss"]);
  ASSERT_EQ(losses.size(), 18u);  // 48 features a epoch (the cap), batches of 8, 3 epochs

  // Step 1's loss is the fixture model's own loss on features 0-7, built as the run did.
  const AutoTokenizer tok = AutoTokenizer::from_pretrained(kQa);
  QaOptions o;
  o.max_seq_length = 64;
  o.doc_stride = 16;
  const QaFeatures f = prepare_qa_train_features(tok, datasets::load_dataset(kQuotes + "/train.jsonl", "train").slice(0, 48), o, "train");
  const ModelInputs batch = default_data_collator()(f.inputs, {0, 1, 2, 3, 4, 5, 6, 7});
  ASSERT_TRUE(batch.start_positions.defined());
  const auto model = AutoModelForQuestionAnswering::from_pretrained(kQa);
  const double own = model->forward_with_loss(batch).get("loss").data<float>()[0];
  EXPECT_NEAR(losses.front(), own, 1e-5 * own);
  EXPECT_LT(losses.back(), 0.7 * losses.front());

  const json results = read_json(out + "/all_results.json");
  for (const char* k : {"eval_exact_match", "eval_f1", "eval_samples", "train_samples", "test_exact_match", "test_f1"})
    EXPECT_TRUE(results.contains(k)) << k << " in " << results.dump();
  EXPECT_FALSE(results.contains("eval_loss")) << "evaluation features carry no answer positions";
  EXPECT_EQ(results["train_samples"], 48);
  EXPECT_EQ(results["eval_samples"], 24);
  // One answer per example, keyed by id, in both stages' files.
  const json answers = read_json(out + "/eval_predictions.json");
  EXPECT_FALSE(answers.empty());
  const auto first = datasets::load_dataset(kQuotes + "/validation.jsonl", "train").row(0);
  EXPECT_TRUE(answers.contains(first["id"].get<std::string>())) << answers.dump();
  EXPECT_TRUE(fs::exists(out + "/eval_nbest_predictions.json"));
  EXPECT_TRUE(fs::exists(out + "/predict_predictions.json"));
  EXPECT_EQ(read_json(out + "/config.json")["architectures"][0], "BertForQuestionAnswering");
  const auto p = run_cli({"pipeline", "question-answering", "--model", out, "--context",
                          "Wer nicht wagt, der nicht gewinnt.\n\t\t-- Goethe", "Who is quoted?"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
}

TEST(TrainQuestionAnswering, Version2ReportsHasAnsAndNoAnsWithNullOdds) {
  TempDir tmp;
  const std::string out = tmp / "out";
  const auto r = run_cli(quotes_run(out, {"--do_eval", "--version_2_with_negative"}, "validation_v2.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json results = read_json(out + "/eval_results.json");
  for (const char* k : {"eval_exact", "eval_f1", "eval_HasAns_exact", "eval_NoAns_exact", "eval_best_f1_thresh"})
    EXPECT_TRUE(results.contains(k)) << k << " in " << results.dump();
  EXPECT_EQ(results["eval_HasAns_total"], 50);
  EXPECT_EQ(results["eval_NoAns_total"], 50);
  EXPECT_TRUE(fs::exists(out + "/eval_null_odds.json"));
}

TEST(TrainQuestionAnswering, UsePeftTrainsAnAdapterWithTheQaHead) {
  TempDir tmp;
  const std::string out = tmp / "out";
  const auto r = run_cli(quotes_run(out, {"--max_train_samples", "8", "--max_steps", "2", "--use_peft"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json cfg = read_json(out + "/adapter_config.json");
  EXPECT_EQ(cfg["task_type"], "QUESTION_ANS");
  EXPECT_NE(cfg["modules_to_save"].dump().find("qa_outputs"), std::string::npos) << cfg.dump();
}

TEST(TrainQuestionAnswering, BadInputGetsOneClearError) {
  TempDir tmp;
  auto err = [&](const std::vector<json>& rows, const std::vector<std::string>& extra = {}) {
    std::string text;
    for (const auto& row : rows) text += row.dump() + "\n";
    test::write_file(tmp / "bad.jsonl", text);
    std::vector<std::string> args = {"train", "question-answering", "--model", kQa, "--train_file", tmp / "bad.jsonl",
                                     "--output_dir", tmp / "out", "--overwrite_output_dir", "--max_steps", "1",
                                     "--max_seq_length", "64", "--doc_stride", "16", "--report_to", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_NE(r.exit_code, 0);
    return r.err;
  };
  const json good = example("g", "alpha one");
  json no_starts = good;
  no_starts["answers"].erase("answer_start");
  EXPECT_NE(err({no_starts}).find("train: row 0 of the \"answers\" column is not {\"text\": [...], \"answer_start\""),
            std::string::npos);
  json number = good;
  number["context"] = 7;
  EXPECT_NE(err({number}).find("train: row 0 of the \"context\" column is not a text"), std::string::npos);
  EXPECT_NE(err({good}, {"--doc_stride", "64"}).find("--doc_stride 64 must be smaller than max_seq_length 64"),
            std::string::npos);
  EXPECT_NE(err({{{"question", "q"}, {"context", "c"}}}).find("needs question, context and answers columns"),
            std::string::npos);
  // Evaluation keys the answers by id.
  json no_id = good;
  no_id.erase("id");
  test::write_file(tmp / "noid.jsonl", no_id.dump() + "\n");
  EXPECT_NE(err({good}, {"--validation_file", tmp / "noid.jsonl", "--do_train", "--do_eval"})
                .find("validation: the id column \"id\" does not exist"),
            std::string::npos);
  EXPECT_NE(err({good}, {"--label_column_name", "answers"}).find("--label_column_name do not apply"), std::string::npos);
}

}  // namespace
}  // namespace cuddle::training
