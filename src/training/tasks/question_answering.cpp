// run_qa.py around the Trainer (train_tasks.h): question / context pairs cut into
// doc_stride windows, each training window's answer as start / end token positions (the
// CLS position when the answer is not inside it), and utils_qa.py's post-processing that
// turns every window's start / end logits back into one answer text per example.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "cuddle/error.h"
#include "cuddle/train_tasks.h"
#include "io/atomic_file.h"
#include "training/tasks/columns.h"

namespace cuddle::training {

namespace {

using RowJson = datasets::Json;

// Python's str.isspace() for one code point.
bool python_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Python's str.lstrip(): run_qa.py strips the questions' leading whitespace, which would
// otherwise eat into the windows.
std::string python_lstrip(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i + len > s.size()) break;
    uint32_t c = len == 1 ? b : b & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (!python_space(c)) break;
    i += len;
  }
  return s.substr(i);
}

std::string text_cell(const RowJson& cell, const std::string& column, const std::string& split, int64_t row) {
  if (!cell.is_string())
    throw Error(split + ": row " + std::to_string(row) + " of the \"" + column + "\" column is not a text (found " +
                cell.dump() + ")");
  return cell.get<std::string>();
}

// A row's answers, {"text": [...], "answer_start": [...]} as SQuAD stores them.
struct Answers {
  std::vector<std::string> text;
  std::vector<int64_t> answer_start;
};

Answers answers_cell(const RowJson& cell, const std::string& column, const std::string& split, int64_t row) {
  const std::string where = split + ": row " + std::to_string(row) + " of the \"" + column + "\" column";
  if (!cell.is_object() || !cell.contains("text") || !cell.contains("answer_start") || !cell["text"].is_array() ||
      !cell["answer_start"].is_array())
    throw Error(where + " is not {\"text\": [...], \"answer_start\": [...]} (found " + cell.dump() + ")");
  Answers a;
  for (const auto& t : cell["text"]) {
    if (!t.is_string()) throw Error(where + " holds an answer text that is not a string: " + t.dump());
    a.text.push_back(t.get<std::string>());
  }
  for (const auto& s : cell["answer_start"]) {
    if (!s.is_number_integer()) throw Error(where + " holds an answer_start that is not an integer: " + s.dump());
    a.answer_start.push_back(s.get<int64_t>());
  }
  if (a.text.size() != a.answer_start.size())
    throw Error(where + " has " + std::to_string(a.text.size()) + " answer texts but " +
                std::to_string(a.answer_start.size()) + " answer_start values");
  return a;
}

// The tokenizer call both feature builders share: questions and contexts as a pair (the
// context first when the tokenizer pads on the left), the context truncated into
// max_seq_length windows overlapping by doc_stride, with char offsets.
struct Windows {
  BatchEncoding enc;
  bool pad_on_right;
  std::vector<std::string> contexts;
};

Windows tokenize_windows(const AutoTokenizer& tokenizer, const datasets::Dataset& ds, const QaOptions& options,
                         const std::string& split) {
  const QaColumns cols = qa_columns(ds, split);
  if (ds.num_rows() == 0) throw Error(split + ": the dataset is empty");
  if (options.doc_stride >= qa_max_length(tokenizer, options))
    throw Error("--doc_stride " + std::to_string(options.doc_stride) + " must be smaller than max_seq_length " +
                std::to_string(qa_max_length(tokenizer, options)) + " (the windows overlap by doc_stride tokens)");
  const std::vector<RowJson> questions = ds.column_values(cols.question);
  const std::vector<RowJson> contexts = ds.column_values(cols.context);
  Windows w;
  w.pad_on_right = tokenizer.padding_side() == Side::Right;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int64_t r = 0; r < ds.num_rows(); ++r) {
    std::string q = python_lstrip(text_cell(questions[size_t(r)], cols.question, split, r));
    std::string c = text_cell(contexts[size_t(r)], cols.context, split, r);
    w.contexts.push_back(c);
    pairs.push_back(w.pad_on_right ? std::pair(std::move(q), std::move(c)) : std::pair(std::move(c), std::move(q)));
  }
  CallOptions call;
  call.truncation = true;
  call.truncation_strategy = w.pad_on_right ? TruncationStrategy::OnlySecond : TruncationStrategy::OnlyFirst;
  // The windows must cover the whole context, as they did with the tokenizers run_qa.py was
  // written for (tokenizers 0.23's early exit stops them after the first max_length tokens).
  call.truncation_early_exit = false;
  call.max_length = size_t(qa_max_length(tokenizer, options));
  call.stride = size_t(options.doc_stride);
  call.return_overflowing_tokens = true;
  if (options.pad_to_max_length) call.padding = "max_length";
  w.enc = tokenizer(pairs, call);
  return w;
}

RowJson input_row(const BatchEncoding& enc, size_t i) {
  RowJson row;
  row["input_ids"] = enc.input_ids[i];
  if (!enc.token_type_ids.empty()) row["token_type_ids"] = enc.token_type_ids[i];
  row["attention_mask"] = enc.attention_mask[i];
  return row;
}

// run_qa.py's cls_index: the CLS token's first position, else the BOS token's, else 0.
int64_t cls_index(const AutoTokenizer& tokenizer, const std::vector<uint32_t>& ids) {
  for (const char* key : {"cls_token", "bos_token"})
    if (const auto token = tokenizer.special_token(key))
      if (const auto id = tokenizer.tokenizer().token_to_id(*token)) {
        const auto it = std::find(ids.begin(), ids.end(), *id);
        if (it != ids.end()) return int64_t(it - ids.begin());
      }
  return 0;
}

// The token positions of [start_char, end_char) in window `i`, as run_qa.py finds them
// (its loops kept as they are, including that the start search runs on past the context
// while offsets stay <= start_char).
std::pair<int64_t, int64_t> answer_tokens(const std::vector<std::pair<size_t, size_t>>& offsets,
                                          const std::vector<int>& seq, int context_seq, int64_t start_char,
                                          int64_t end_char, int64_t cls) {
  int64_t first = 0, last = int64_t(offsets.size()) - 1;
  while (first < int64_t(seq.size()) && seq[size_t(first)] != context_seq) ++first;
  while (last >= 0 && seq[size_t(last)] != context_seq) --last;
  if (first > last) return {cls, cls};  // no context token in this window
  if (!(int64_t(offsets[size_t(first)].first) <= start_char && int64_t(offsets[size_t(last)].second) >= end_char))
    return {cls, cls};
  while (first < int64_t(offsets.size()) && int64_t(offsets[size_t(first)].first) <= start_char) ++first;
  while (last >= 0 && int64_t(offsets[size_t(last)].second) >= end_char) --last;
  return {first - 1, last + 1};
}

}  // namespace

QaColumns qa_columns(const datasets::Dataset& ds, const std::string& split) {
  const std::vector<std::string> names = ds.column_names();
  auto pick = [&](const char* name, size_t index) {
    if (has_column(ds, name)) return std::string(name);
    if (index < names.size()) return names[index];
    throw Error(split + ": question answering needs question, context and answers columns (found " +
                std::to_string(names.size()) + " columns)");
  };
  return {pick("question", 0), pick("context", 1), pick("answers", 2)};
}

int64_t qa_max_length(const AutoTokenizer& tokenizer, const QaOptions& options) {
  return std::min<int64_t>(options.max_seq_length, int64_t(std::min<size_t>(tokenizer.model_max_length(), 1 << 30)));
}

QaFeatures prepare_qa_train_features(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                     const QaOptions& options, const std::string& split) {
  const QaColumns cols = qa_columns(ds, split);
  const Windows w = tokenize_windows(tokenizer, ds, options, split);
  const std::vector<RowJson> answer_cells = ds.column_values(cols.answers);
  const int context_seq = w.pad_on_right ? 1 : 0;
  QaFeatures out;
  std::vector<RowJson> rows;
  for (size_t i = 0; i < w.enc.input_ids.size(); ++i) {
    const int64_t example = int64_t(w.enc.overflow_to_sample_mapping[i]);
    const Answers a = answers_cell(answer_cells[size_t(example)], cols.answers, split, example);
    const int64_t cls = cls_index(tokenizer, w.enc.input_ids[i]);
    std::pair<int64_t, int64_t> span{cls, cls};
    if (!a.answer_start.empty()) {
      const int64_t start_char = a.answer_start[0];
      span = answer_tokens(w.enc.offset_mapping[i], sequence_ids(w.enc.special_tokens_mask[i]), context_seq,
                           start_char, start_char + int64_t(char_length(a.text[0])), cls);
    }
    RowJson row = input_row(w.enc, i);
    row["start_positions"] = span.first;
    row["end_positions"] = span.second;
    rows.push_back(std::move(row));
    out.example.push_back(example);
  }
  out.inputs = datasets::Dataset::from_rows(rows);
  return out;
}

QaFeatures prepare_qa_eval_features(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                    const QaOptions& options, const std::string& split) {
  require_column(ds, "id", split, "id");  // the predictions are keyed by it
  const Windows w = tokenize_windows(tokenizer, ds, options, split);
  const int context_seq = w.pad_on_right ? 1 : 0;
  QaFeatures out;
  std::vector<RowJson> rows;
  for (size_t i = 0; i < w.enc.input_ids.size(); ++i) {
    const std::vector<int> seq = sequence_ids(w.enc.special_tokens_mask[i]);
    auto& offsets = out.context_offsets.emplace_back();
    for (size_t t = 0; t < seq.size(); ++t)
      offsets.push_back(seq[t] == context_seq ? std::optional(w.enc.offset_mapping[i][t]) : std::nullopt);
    rows.push_back(input_row(w.enc, i));
    out.example.push_back(int64_t(w.enc.overflow_to_sample_mapping[i]));
  }
  out.inputs = datasets::Dataset::from_rows(rows);
  return out;
}

QaFeatures select_qa_features(const QaFeatures& features, int64_t n) {
  if (n >= features.inputs.num_rows()) return features;
  QaFeatures out;
  out.inputs = features.inputs.slice(0, n);
  out.example.assign(features.example.begin(), features.example.begin() + n);
  if (!features.context_offsets.empty())
    out.context_offsets.assign(features.context_offsets.begin(), features.context_offsets.begin() + n);
  return out;
}

std::vector<QaExamplePrediction> postprocess_qa_predictions(const datasets::Dataset& examples,
                                                            const QaFeatures& features, const Tensor& span_logits,
                                                            const QaOptions& options) {
  const Tensor logits = span_logits.contiguous();
  const int64_t n_features = int64_t(features.example.size());
  if (logits.dim() != 3 || logits.size(0) != n_features || logits.size(2) != 2)
    throw ShapeError("question answering: predictions " + logits.describe() + " are not [" +
                     std::to_string(n_features) + ", length, 2] start and end logits of every feature");
  if (features.context_offsets.size() != size_t(n_features))
    throw Error("question answering: the features carry no context offsets (build them with prepare_qa_eval_features)");
  const QaColumns cols = qa_columns(examples, "evaluation");
  const std::vector<RowJson> ids = examples.column_values("id");
  const std::vector<RowJson> contexts = examples.column_values(cols.context);
  std::vector<std::vector<int64_t>> features_of(size_t(examples.num_rows()));
  for (int64_t f = 0; f < n_features; ++f) features_of.at(size_t(features.example[size_t(f)])).push_back(f);
  const int64_t len = logits.size(1);
  const float* data = logits.data<float>();

  struct Candidate {
    std::pair<size_t, size_t> offsets;
    float score, start_logit, end_logit;
  };
  std::vector<QaExamplePrediction> out;
  for (int64_t e = 0; e < examples.num_rows(); ++e) {
    std::optional<Candidate> min_null;
    std::vector<Candidate> prelim;
    for (const int64_t f : features_of[size_t(e)]) {
      std::vector<float> start(static_cast<size_t>(len)), end(static_cast<size_t>(len));
      for (int64_t t = 0; t < len; ++t) {
        start[size_t(t)] = data[(f * len + t) * 2];
        end[size_t(t)] = data[(f * len + t) * 2 + 1];
      }
      const float null_score = start[0] + end[0];
      if (!min_null || min_null->score > null_score) min_null = Candidate{{0, 0}, null_score, start[0], end[0]};
      // np.argsort(x)[-1 : -n_best_size - 1 : -1]: the n_best_size largest, largest first.
      auto best = [&](const std::vector<float>& x) {
        std::vector<int64_t> idx(x.size());
        for (size_t i = 0; i < idx.size(); ++i) idx[i] = int64_t(i);
        std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return x[size_t(a)] < x[size_t(b)]; });
        std::reverse(idx.begin(), idx.end());
        idx.resize(std::min<size_t>(idx.size(), size_t(options.n_best_size)));
        return idx;
      };
      const auto& offsets = features.context_offsets[size_t(f)];
      for (const int64_t s : best(start))
        for (const int64_t t : best(end)) {
          if (s >= int64_t(offsets.size()) || t >= int64_t(offsets.size()) || !offsets[size_t(s)] ||
              !offsets[size_t(t)])
            continue;
          if (t < s || t - s + 1 > options.max_answer_length) continue;
          prelim.push_back({{offsets[size_t(s)]->first, offsets[size_t(t)]->second},
                            start[size_t(s)] + end[size_t(t)],
                            start[size_t(s)],
                            end[size_t(t)]});
        }
    }
    if (options.version_2_with_negative && min_null) prelim.push_back(*min_null);
    std::stable_sort(prelim.begin(), prelim.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    if (prelim.size() > size_t(options.n_best_size)) prelim.resize(size_t(options.n_best_size));
    if (options.version_2_with_negative && min_null &&
        std::none_of(prelim.begin(), prelim.end(), [](const Candidate& c) { return c.offsets == std::pair<size_t, size_t>(0, 0); }))
      prelim.push_back(*min_null);

    QaExamplePrediction p;
    p.id = ids[size_t(e)].is_string() ? ids[size_t(e)].get<std::string>() : ids[size_t(e)].dump();
    const std::string context = text_cell(contexts[size_t(e)], cols.context, "evaluation", e);
    const CharIndex chars(context);
    for (const Candidate& c : prelim)
      p.nbest.push_back({chars.slice(c.offsets.first, c.offsets.second), c.start_logit, c.end_logit, c.score, 0, false});
    if (p.nbest.empty() || (p.nbest.size() == 1 && p.nbest[0].text.empty()))
      p.nbest.insert(p.nbest.begin(), QaCandidate{"empty", 0, 0, 0, 0, true});
    // utils_qa's softmax over the n-best scores, shifted by the largest.
    double top = -INFINITY, sum = 0;
    for (const auto& c : p.nbest) top = std::max(top, double(c.score));
    for (auto& c : p.nbest) sum += (c.probability = std::exp(double(c.score) - top));
    for (auto& c : p.nbest) c.probability /= sum;
    if (!options.version_2_with_negative) {
      p.prediction_text = p.nbest[0].text;
    } else {
      // The best non-empty answer against the null answer: the null score is the lowest
      // over the windows, so every window must agree there is no answer.
      const auto best = std::find_if(p.nbest.begin(), p.nbest.end(), [](const QaCandidate& c) { return !c.text.empty(); });
      if (best == p.nbest.end()) throw Error("question answering: example " + p.id + " has no non-empty candidate");
      p.null_score_diff = double(min_null->score) - double(best->start_logit) - double(best->end_logit);
      p.prediction_text = p.null_score_diff > options.null_score_diff_threshold ? "" : best->text;
    }
    out.push_back(std::move(p));
  }
  return out;
}

void write_qa_predictions(const std::string& output_dir, const std::string& stage,
                          const std::vector<QaExamplePrediction>& predictions, bool version_2_with_negative) {
  nlohmann::ordered_json answers = nlohmann::ordered_json::object(), nbest = nlohmann::ordered_json::object(),
                         odds = nlohmann::ordered_json::object();
  for (const auto& p : predictions) {
    answers[p.id] = p.prediction_text;
    auto& list = nbest[p.id] = nlohmann::ordered_json::array();
    // utils_qa's key order: the placeholder was built text first, the others got their text
    // after their logits.
    for (const auto& c : p.nbest)
      list.push_back(c.placeholder ? nlohmann::ordered_json{{"text", c.text}, {"start_logit", c.start_logit},
                                                            {"end_logit", c.end_logit}, {"probability", c.probability}}
                                   : nlohmann::ordered_json{{"start_logit", c.start_logit}, {"end_logit", c.end_logit},
                                                            {"text", c.text}, {"probability", c.probability}});
    if (version_2_with_negative) odds[p.id] = p.null_score_diff;
  }
  namespace fs = std::filesystem;
  fs::create_directories(output_dir);
  // json.dumps(..., indent=4) escapes every non-ASCII character, as ensure_ascii does.
  auto write = [&](const char* name, const nlohmann::ordered_json& j) {
    io::write_file_atomic((fs::path(output_dir) / (stage + "_" + name)).string(), j.dump(4, ' ', true) + "\n");
  };
  write("predictions.json", answers);
  write("nbest_predictions.json", nbest);
  if (version_2_with_negative) write("null_odds.json", odds);
}

Metrics qa_metrics(const datasets::Dataset& examples, const std::vector<QaExamplePrediction>& predictions,
                   bool version_2_with_negative) {
  const QaColumns cols = qa_columns(examples, "evaluation");
  Json preds = Json::array(), refs = Json::array();
  for (const auto& p : predictions) {
    Json one = {{"id", p.id}, {"prediction_text", p.prediction_text}};
    if (version_2_with_negative) one["no_answer_probability"] = 0.0;  // as run_qa.py sends it
    preds.push_back(std::move(one));
  }
  const std::vector<RowJson> ids = examples.column_values("id");
  const std::vector<RowJson> answers = examples.column_values(cols.answers);
  for (size_t r = 0; r < answers.size(); ++r) {
    const Answers a = answers_cell(answers[r], cols.answers, "evaluation", int64_t(r));
    refs.push_back({{"id", ids[r].is_string() ? ids[r].get<std::string>() : ids[r].dump()},
                    {"answers", {{"text", a.text}, {"answer_start", a.answer_start}}}});
  }
  const metrics::Scores s = metrics::compute(version_2_with_negative ? "squad_v2" : "squad", preds, refs);
  return Metrics(s.begin(), s.end());
}

}  // namespace cuddle::training
