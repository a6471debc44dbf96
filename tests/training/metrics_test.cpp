// Metrics against hand-worked vectors: every expected value below is derived in the comment
// next to it from the definitions scikit-learn, seqeval, the SQuAD script and pycocotools
// use (the scikit-learn documentation examples where one exists).
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/metrics.h"
#include "test_util.h"

namespace m = cuddle::metrics;
using cuddle::test::error_of;
using V = std::vector<int64_t>;

TEST(Metrics, Accuracy) {
  EXPECT_DOUBLE_EQ(m::accuracy(V{0, 1, 2, 2, 1}, V{0, 2, 2, 2, 1}), 0.8);  // 4 of 5
  EXPECT_DOUBLE_EQ(m::accuracy(V{1, 0}, V{0, 1}), 0.0);                    // all wrong
  EXPECT_NE(error_of([] { m::accuracy(V{1}, V{1, 0}); }).find("1 predictions but 2 references"), std::string::npos);
  EXPECT_NE(error_of([] { m::accuracy(V{}, V{}); }).find("empty"), std::string::npos);
}

TEST(Metrics, BinaryPrecisionRecallF1) {
  // tp = 2 (items 0, 3), fp = 1 (item 1), fn = 1 (item 4).
  const V pred{1, 1, 0, 1, 0, 0}, ref{1, 0, 0, 1, 1, 0};
  auto s = m::precision_recall_f1(pred, ref);
  EXPECT_DOUBLE_EQ(s.precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.f1, 2.0 / 3);
  // pos_label 0: predicted 0 at 2, 4, 5; true 0 at 1, 2, 5; tp 2.
  s = m::precision_recall_f1(pred, ref, m::Average::Binary, 0);
  EXPECT_DOUBLE_EQ(s.precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.recall, 2.0 / 3);
  // Nothing predicted positive: precision is 0/0 -> 0, recall 0/2, F1 0.
  s = m::precision_recall_f1(V{0, 0, 0}, V{0, 1, 1});
  EXPECT_EQ(s.precision, 0.0);
  EXPECT_EQ(s.recall, 0.0);
  EXPECT_EQ(s.f1, 0.0);
  // Only class 0 anywhere: pos_label 1 simply has no positives.
  s = m::precision_recall_f1(V{0, 0}, V{0, 0});
  EXPECT_EQ(s.f1, 0.0);
  EXPECT_NE(error_of([] { m::precision_recall_f1(V{0, 1, 2}, V{0, 1, 2}); }).find("choose average"), std::string::npos);
  EXPECT_NE(error_of([] { m::precision_recall_f1(V{0, 2}, V{2, 0}); }).find("pos_label=1 is not one of the labels 0, 2"),
            std::string::npos);
}

TEST(Metrics, AveragedPrecisionRecallF1) {
  // scikit-learn's documentation example. Class 0: predicted 3, true 2, tp 2 -> P 2/3, R 1,
  // F1 4/5; classes 1 and 2: tp 0 -> 0. Supports 2, 2, 2.
  const V ref{0, 1, 2, 0, 1, 2}, pred{0, 2, 1, 0, 0, 1};
  auto macro = m::precision_recall_f1(pred, ref, m::Average::Macro);
  EXPECT_DOUBLE_EQ(macro.precision, 2.0 / 9);
  EXPECT_DOUBLE_EQ(macro.recall, 1.0 / 3);
  EXPECT_NEAR(macro.f1, 0.8 / 3, 1e-15);
  auto weighted = m::precision_recall_f1(pred, ref, m::Average::Weighted);
  EXPECT_NEAR(weighted.f1, 0.8 / 3, 1e-15);
  auto micro = m::precision_recall_f1(pred, ref, m::Average::Micro);  // pooled: 2 / 6
  EXPECT_DOUBLE_EQ(micro.precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(micro.recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(micro.f1, 1.0 / 3);
  // Unequal supports and a never-predicted class (zero division). Class 0: P 1/3, R 1, F1 1/2
  // (support 1); class 1: nothing predicted -> 0 (support 2).
  auto z = m::precision_recall_f1(V{0, 0, 0}, V{0, 1, 1}, m::Average::Macro);
  EXPECT_DOUBLE_EQ(z.precision, 1.0 / 6);
  EXPECT_DOUBLE_EQ(z.recall, 0.5);
  EXPECT_DOUBLE_EQ(z.f1, 0.25);
  z = m::precision_recall_f1(V{0, 0, 0}, V{0, 1, 1}, m::Average::Weighted);
  EXPECT_DOUBLE_EQ(z.precision, (1.0 / 3) / 3);
  EXPECT_DOUBLE_EQ(z.recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(z.f1, 0.5 / 3);
  EXPECT_NE(error_of([] { m::parse_average("samples"); }).find("binary, macro, micro, weighted"), std::string::npos);
}

TEST(Metrics, MatthewsCorrelation) {
  // c = 5 correct of s = 7; predicted counts (2, 2, 3) equal the true counts, so
  // sum p t = sum p^2 = sum t^2 = 17: (5 * 7 - 17) / (49 - 17) = 18 / 32.
  EXPECT_DOUBLE_EQ(m::matthews_correlation(V{0, 0, 1, 1, 2, 2, 2}, V{0, 0, 1, 2, 2, 2, 1}), 0.5625);
  EXPECT_DOUBLE_EQ(m::matthews_correlation(V{1, 0}, V{0, 1}), -1.0);             // all wrong
  EXPECT_DOUBLE_EQ(m::matthews_correlation(V{1, 0, 1}, V{1, 0, 1}), 1.0);        // all right
  EXPECT_DOUBLE_EQ(m::matthews_correlation(V{0, 0, 0}, V{0, 1, 1}), 0.0);        // constant prediction
  EXPECT_DOUBLE_EQ(m::matthews_correlation(V{0, 2, 1, 0, 0, 1}, V{0, 1, 2, 0, 1, 2}), 0.0);  // 2*6 - 12 = 0
}

TEST(Metrics, SeqevalDefaultMode) {
  // seqeval's documentation example: MISC is found one token early (wrong start), PER is
  // right. Tokens: 8 of 10 equal.
  const m::TagSequences ref{{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}};
  const m::TagSequences pred{{"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}};
  const auto r = m::seqeval(pred, ref);
  EXPECT_DOUBLE_EQ(r.overall_precision, 0.5);
  EXPECT_DOUBLE_EQ(r.overall_recall, 0.5);
  EXPECT_DOUBLE_EQ(r.overall_f1, 0.5);
  EXPECT_DOUBLE_EQ(r.overall_accuracy, 0.8);
  ASSERT_EQ(r.per_type.size(), 2u);
  EXPECT_EQ(r.per_type.at("MISC").f1, 0.0);
  EXPECT_EQ(r.per_type.at("MISC").number, 1);
  EXPECT_EQ(r.per_type.at("PER").f1, 1.0);
  // IOB1 reads the same in default mode: I- after O opens an entity, B- separates two
  // adjacent entities of one type.
  const m::TagSequences iob1{{"I-PER", "I-PER", "O", "I-LOC", "B-LOC"}};
  const auto same = m::seqeval(iob1, iob1);
  EXPECT_EQ(same.per_type.at("LOC").number, 2);
  EXPECT_EQ(same.per_type.at("PER").number, 1);
  EXPECT_DOUBLE_EQ(same.overall_f1, 1.0);
  // A type only predicted gets a row with zero scores and no true entities.
  const auto extra = m::seqeval({{"B-ORG", "O"}}, {{"O", "O"}});
  EXPECT_EQ(extra.per_type.at("ORG").number, 0);
  EXPECT_EQ(extra.overall_precision, 0.0);
  EXPECT_EQ(extra.overall_f1, 0.0);
  EXPECT_DOUBLE_EQ(extra.overall_accuracy, 0.5);
  EXPECT_NE(error_of([] { m::seqeval({{"PER"}}, {{"O"}}); }).find("tag 'PER'"), std::string::npos);
  EXPECT_NE(error_of([] { m::seqeval({{"O"}}, {{"O", "O"}}); }).find("sequence 0 has 1 predicted tags but 2"),
            std::string::npos);
}

TEST(Metrics, SeqevalStrictMode) {
  m::SeqevalOptions iob2{.strict = true, .scheme = "IOB2"};
  m::SeqevalOptions iob1{.strict = true, .scheme = "IOB1"};
  // An entity opened by I- is valid IOB1 but not IOB2: default mode accepts it.
  const m::TagSequences ref{{"B-PER", "I-PER", "O"}}, pred{{"I-PER", "I-PER", "O"}};
  EXPECT_DOUBLE_EQ(m::seqeval(pred, ref).overall_f1, 1.0);
  EXPECT_EQ(m::seqeval(pred, ref, iob2).overall_f1, 0.0);  // no predicted entity at all
  EXPECT_EQ(m::seqeval(pred, ref, iob2).per_type.at("PER").number, 1);
  // In IOB1, B- after O is not a start: the reference's entity is tokens 1..2 only, the
  // prediction's 0..2.
  EXPECT_EQ(m::seqeval(pred, ref, iob1).overall_f1, 0.0);
  // B-PER I-LOC: default mode sees PER and LOC, strict IOB2 only PER (I-LOC opens nothing).
  const m::TagSequences mixed{{"B-PER", "I-LOC", "O"}};
  EXPECT_EQ(m::seqeval(mixed, mixed).per_type.size(), 2u);
  const auto strict = m::seqeval(mixed, mixed, iob2);
  EXPECT_EQ(strict.per_type.size(), 1u);
  EXPECT_EQ(strict.per_type.at("PER").number, 1);
  EXPECT_NE(error_of([&] { m::seqeval({{"E-PER"}}, {{"O"}}, iob2); }).find("not allowed in IOB2"), std::string::npos);
  EXPECT_NE(error_of([&] { m::seqeval({{"O"}}, {{"O"}}, {.strict = true, .scheme = "BILOU"}); }).find("IOB1, IOB2"),
            std::string::npos);
}

TEST(Metrics, Squad) {
  EXPECT_EQ(m::squad_normalize("The  Quick, brown fox!"), "quick brown fox");
  EXPECT_EQ(m::squad_normalize("an apple a day: theater"), "apple day theater");  // "the" only as a word
  // q1: tokens {cat, sat} vs {cat, sat, on, mat}: P 1, R 1/2, F1 2/3, not exact. q2: exact
  // against its first answer after normalisation. q3: unanswered, counts as 0.
  std::vector<m::SquadPrediction> pred{{"q1", "the cat sat"}, {"q2", "Paris"}};
  std::vector<m::SquadReference> ref{{"q1", {"a cat sat on the mat"}}, {"q2", {"paris.", "Paris, France"}}};
  auto s = m::squad(pred, ref);
  EXPECT_DOUBLE_EQ(s.exact_match, 50.0);
  EXPECT_DOUBLE_EQ(s.f1, 100.0 * (2.0 / 3 + 1.0) / 2);
  ref.push_back({"q3", {"anything"}});
  s = m::squad(pred, ref);
  EXPECT_DOUBLE_EQ(s.exact_match, 100.0 / 3);
  EXPECT_DOUBLE_EQ(s.f1, 100.0 * (2.0 / 3 + 1.0) / 3);
}

TEST(Metrics, Perplexity) {
  EXPECT_DOUBLE_EQ(m::perplexity(2 * std::log(4.0), 2), 4.0);
  EXPECT_NE(error_of([] { m::perplexity(1.0, 0); }).find("no tokens"), std::string::npos);
}

TEST(Metrics, CocoMeanAveragePrecision) {
  // One image, category 0: G1 matched exactly by D1 (0.9); D2 (0.8) overlaps G2 with IoU
  // 80/100 = 0.8; D3 (0.7) matches nothing. At the 7 thresholds <= 0.80 precision is 1 at
  // every recall point. At 0.85, 0.90, 0.95 only D1 matches: recall stays 0.5, so the 51
  // recall points 0.00..0.50 read 1 and the rest 0. AP = (7 + 3 * 51/101) / 10.
  std::vector<std::vector<m::Box>> refs{{{0, 0, 10, 10, 0}, {20, 20, 30, 30, 0}}};
  std::vector<std::vector<m::Box>> preds{
      {{0, 0, 10, 10, 0, 0.9}, {20, 20, 30, 28, 0, 0.8}, {50, 50, 60, 60, 0, 0.7}, {0, 0, 10, 10, 7, 0.99}}};
  auto s = m::mean_average_precision(preds, refs);
  const double ap = (7 + 3 * 51.0 / 101) / 10;
  EXPECT_NEAR(s.map, ap, 1e-12);  // label 7 has no ground truth: not scored
  EXPECT_DOUBLE_EQ(s.map_50, 1.0);
  EXPECT_DOUBLE_EQ(s.map_75, 1.0);
  // A second image with a category-1 object nobody detects: that category's AP is 0.
  refs.push_back({{0, 0, 5, 5, 1}});
  preds.push_back({});
  s = m::mean_average_precision(preds, refs);
  EXPECT_NEAR(s.map, ap / 2, 1e-12);
  EXPECT_DOUBLE_EQ(s.map_50, 0.5);
  // No ground truth anywhere: COCO's -1.
  EXPECT_EQ(m::mean_average_precision({{}}, {{}}).map, -1.0);
}

TEST(Metrics, ComputeByName) {
  using J = nlohmann::json;
  EXPECT_DOUBLE_EQ(m::compute("accuracy", J{0, 1, 1}, J{0, 1, 0}).at("accuracy"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(m::compute("f1", J{0, 2, 1, 0, 0, 1}, J{0, 1, 2, 0, 1, 2}, J{{"average", "micro"}}).at("f1"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m::compute("recall", J{1, 1, 0}, J{1, 0, 1}, J{{"pos_label", 0}}).at("recall"), 0.0);
  const auto ner = m::compute("seqeval", J{{"B-PER", "I-PER", "O"}}, J{{"B-PER", "I-PER", "O"}});
  EXPECT_EQ(ner.at("overall_f1"), 1.0);
  EXPECT_EQ(ner.at("PER_number"), 1.0);
  const auto qa = m::compute("squad", J::parse(R"([{"id": "1", "prediction_text": "the Cat"}])"),
                             J::parse(R"([{"id": "1", "answers": {"text": ["cat"], "answer_start": [0]}}])"));
  EXPECT_EQ(qa.at("exact_match"), 100.0);
  EXPECT_DOUBLE_EQ(m::compute("perplexity", J{std::log(2.0), std::log(8.0)}, J{1, 1}).at("perplexity"), 4.0);
  const auto det = m::compute("mean_average_precision", J::parse(R"([[{"box": [0, 0, 4, 4], "label": 3, "score": 0.5}]])"),
                              J::parse(R"([[{"box": [0, 0, 4, 4], "label": 3}]])"));
  EXPECT_DOUBLE_EQ(det.at("map"), 1.0);  // 1 / (1 + eps), as pycocotools divides
  const std::string unknown = error_of([] { m::compute("bleu", J::array(), J::array()); });
  EXPECT_NE(unknown.find("unknown metric 'bleu'; known metrics: accuracy, f1, matthews_correlation, "
                         "mean_average_precision, perplexity, precision, recall, seqeval, squad"),
            std::string::npos);
  EXPECT_NE(error_of([] { m::compute("accuracy", J{"a"}, J{1}); }).find("integer class ids"), std::string::npos);
  EXPECT_NE(error_of([] { m::compute("f1", J{1}, J{1}, J{{"pos_label", "yes"}}); }).find("pos_label must be an integer"),
            std::string::npos);
  const J tags = J::parse(R"([["I-PER", "O"]])");
  const auto strict = m::compute("seqeval", tags, tags, J{{"mode", "strict"}, {"scheme", "IOB2"}});
  EXPECT_EQ(strict.at("overall_f1"), 0.0);  // I- opens nothing in strict IOB2
  EXPECT_NE(error_of([] { m::compute("squad", J::parse(R"([{"id": "1"}])"), J::array()); }).find("prediction_text"),
            std::string::npos);
}

TEST(Metrics, DefaultMetricForTask) {
  EXPECT_EQ(m::default_metric_for_task("text-classification"), "accuracy");
  EXPECT_EQ(m::default_metric_for_task("image-classification"), "accuracy");
  EXPECT_EQ(m::default_metric_for_task("token-classification"), "seqeval");
  EXPECT_EQ(m::default_metric_for_task("question-answering"), "squad");
  EXPECT_EQ(m::default_metric_for_task("fill-mask"), "perplexity");
  EXPECT_EQ(m::default_metric_for_task("object-detection"), "mean_average_precision");
  EXPECT_NE(error_of([] { m::default_metric_for_task("translation"); }).find("tasks with one:"), std::string::npos);
}
