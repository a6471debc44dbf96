// question-answering, with the semantics of transformers 4.x (transformers 5 removed this
// pipeline). The question and the context are encoded as a pair; a context longer than
// max_seq_len is cut into overlapping windows (doc_stride tokens of overlap) and every
// window is scored. In each window, tokens outside the context (except [CLS]) are masked,
// start and end logits go through a softmax, and spans start <= end < start +
// max_answer_len are ranked by p(start) * p(end). Spans map back to characters of the
// context, widened to whole words (align_to_words). handle_impossible_answer adds the empty
// answer scored by the lowest p(start=[CLS]) * p(end=[CLS]) over the windows.
#include <algorithm>
#include <cmath>

#include "pipelines/common.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

struct Answer {
  float score;
  size_t start, end;
};

class QuestionAnswering : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].context.empty())
        throw Error("question-answering: input " + std::to_string(i + 1) + " has no context");
      pairs.emplace_back(inputs[i].text, inputs[i].context);
    }
    TruncationParams trunc;
    trunc.max_length = std::min(o.max_seq_len, max_input_length(model(), tokenizer()));
    trunc.stride = std::min(trunc.max_length / 2, o.doc_stride);
    trunc.strategy = TruncationStrategy::OnlySecond;
    // Windows must cover the whole context, as with the tokenizers of transformers 4.x;
    // tokenizers 0.23's early exit would stop them after the first (TruncationParams).
    trunc.early_exit = false;
    auto [windows, owner] = split_windows(encode_pairs(tokenizer(), pairs, trunc));
    auto rows = forward_rows(model(), tokenizer(), windows, o.batch_size,
                             {output_named("start_logits"), output_named("end_logits")},
                             [](const Tensor&) { return true; });
    size_t top_k = o.top_k ? std::max(1, *o.top_k) : 1;
    std::optional<uint32_t> cls;
    if (auto c = tokenizer().special_token("cls_token")) cls = tokenizer().tokenizer().token_to_id(*c);

    PipelineOutput out = PipelineOutput::array();
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<Answer> answers;
      float min_null = 1e6f;
      for (size_t w = 0; w < windows.size(); ++w)
        if (owner[w] == i) score_window(windows[w], rows[w][0], rows[w][1], cls, o, top_k, answers, min_null);
      if (o.handle_impossible_answer) answers.push_back({min_null, 0, 0});
      std::stable_sort(answers.begin(), answers.end(), [](const Answer& a, const Answer& b) { return a.score > b.score; });
      if (answers.size() > top_k) answers.resize(top_k);
      CharIndex context(inputs[i].context);
      PipelineOutput list = PipelineOutput::array();
      for (const auto& a : answers)
        list.push_back({{"score", a.score}, {"start", a.start}, {"end", a.end}, {"answer", context.slice(a.start, a.end)}});
      out.push_back(list.size() == 1 ? list[0] : list);
    }
    return out;
  }

 private:
  static void score_window(const Encoding& enc, const Tensor& start_logits, const Tensor& end_logits,
                           std::optional<uint32_t> cls, const PipelineOptions& o, size_t top_k,
                           std::vector<Answer>& answers, float& min_null) {
    const size_t n = enc.size();
    std::vector<int> seq = sequence_ids(enc.special_tokens_mask);
    std::vector<bool> desired(n);
    for (size_t t = 0; t < n; ++t)
      desired[t] = (seq[t] == 1 || (cls && enc.ids[t] == *cls)) && enc.attention_mask[t];
    std::vector<float> s(start_logits.data<float>(), start_logits.data<float>() + n);
    std::vector<float> e(end_logits.data<float>(), end_logits.data<float>() + n);
    for (size_t t = 0; t < n; ++t)
      if (!desired[t]) s[t] = e[t] = -10000.0f;
    s = softmax(s.data(), n);
    e = softmax(e.data(), n);
    if (o.handle_impossible_answer) min_null = std::min(min_null, s[0] * e[0]);
    s[0] = e[0] = 0.0f;
    // Candidate spans with their p(start) * p(end), best first.
    std::vector<std::pair<size_t, size_t>> spans;
    std::vector<float> scores;
    for (size_t a = 0; a < n; ++a)
      for (size_t b = a; b < n && b < a + o.max_answer_len; ++b) {
        spans.emplace_back(a, b);
        scores.push_back(s[a] * e[b]);
      }
    std::vector<size_t> order = order_descending(scores, top_k);
    for (size_t r = 0; r < order.size(); ++r) {
      auto [a, b] = spans[order[r]];
      if (!desired[a] || !desired[b]) continue;
      auto [begin, end] = char_span(enc, seq, a, b, o.align_to_words);
      answers.push_back({scores[order[r]], begin, end});
    }
  }

  // Character span of tokens a..b in the context; with align_to_words, widened to the
  // first and last word they touch.
  static std::pair<size_t, size_t> char_span(const Encoding& enc, const std::vector<int>& seq, size_t a, size_t b,
                                             bool align_to_words) {
    size_t begin = enc.offsets[a].first, end = enc.offsets[b].second;
    if (!align_to_words || !enc.word_ids[a] || !enc.word_ids[b]) return {begin, end};
    bool first_found = false;
    for (size_t t = 0; t < enc.size(); ++t) {
      if (seq[t] != 1) continue;
      if (enc.word_ids[t] == enc.word_ids[a] && !first_found) begin = enc.offsets[t].first, first_found = true;
      if (enc.word_ids[t] == enc.word_ids[b]) end = enc.offsets[t].second;
    }
    return {begin, end};
  }
};

}  // namespace

TaskPtr make_question_answering(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  return std::make_shared<QuestionAnswering>("question-answering", std::move(m), std::move(t), o);
}

}  // namespace cuddle::pipelines
