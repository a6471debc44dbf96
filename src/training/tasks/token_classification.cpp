// run_ner.py around the Trainer (train_tasks.h): words tokenised with is_split_into_words,
// each word's label on its first sub-token (or every sub-token), seqeval on the words.
#include <algorithm>

#include "cuddle/error.h"
#include "cuddle/train_tasks.h"
#include "training/tasks/columns.h"

namespace cuddle::training {

using RowJson = datasets::Json;

std::vector<int64_t> b_to_i_labels(const LabelSet& labels) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < labels.names.size(); ++i) {
    const std::string& name = labels.names[i];
    const int64_t twin = name.starts_with("B-") ? labels.id_of("I-" + name.substr(2)) : -1;
    out.push_back(twin >= 0 ? twin : int64_t(i));
  }
  return out;
}

namespace {

std::vector<std::string> words_of(const RowJson& cell, const std::string& column, const std::string& split,
                                  int64_t row) {
  const std::string where = split + ": row " + std::to_string(row) + " of the tokens column \"" + column + "\"";
  if (!cell.is_array()) throw Error(where + " is not a list of words (found " + cell.dump() + ")");
  std::vector<std::string> words;
  for (const auto& w : cell) {
    if (!w.is_string()) throw Error(where + " holds " + w.dump() + ", not a word");
    words.push_back(w.get<std::string>());
  }
  return words;
}

}  // namespace

datasets::Dataset tokenize_for_token_classification(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                                    const TokenTaskOptions& options, const LabelSet& labels,
                                                    const std::string& split) {
  require_column(ds, options.tokens_column, split, "tokens");
  // run_ner.py aligns labels in every split it tokenises, so each needs them.
  require_column(ds, options.label_column, split, "label");
  if (ds.num_rows() == 0) throw Error(split + ": the dataset is empty");
  const std::vector<RowJson> word_cells = ds.column_values(options.tokens_column);
  const std::vector<RowJson> label_cells = ds.column_values(options.label_column);
  const LabelLookup lookup(ds, options.label_column, labels, split);
  std::vector<std::vector<std::string>> words;
  std::vector<std::vector<int64_t>> word_labels;
  for (int64_t row = 0; row < ds.num_rows(); ++row) {
    words.push_back(words_of(word_cells[size_t(row)], options.tokens_column, split, row));
    const RowJson& cell = label_cells[size_t(row)];
    if (!cell.is_array() || cell.size() != words.back().size())
      throw Error(split + ": row " + std::to_string(row) + " has " + std::to_string(words.back().size()) +
                  " words in \"" + options.tokens_column + "\" but " +
                  (cell.is_array() ? std::to_string(cell.size()) + " labels" : "no list of labels") + " in \"" +
                  options.label_column + "\"; each word needs one label");
    std::vector<int64_t>& ids = word_labels.emplace_back();
    for (const RowJson& label : cell) ids.push_back(lookup.id(label, row));
  }
  if (options.pad_to_max_length && !options.max_seq_length && tokenizer.model_max_length() > (size_t(1) << 20))
    throw Error("--pad_to_max_length needs --max_seq_length: the tokenizer sets no model_max_length to pad to");
  CallOptions call;
  call.truncation = true;
  call.max_length = size_t(options.max_seq_length.value_or(int64_t(tokenizer.model_max_length())));
  if (options.pad_to_max_length) call.padding = "max_length";
  const BatchEncoding enc = tokenizer.split_into_words(words, call);
  const std::vector<int64_t> b_to_i = b_to_i_labels(labels);
  std::vector<RowJson> rows;
  for (size_t i = 0; i < words.size(); ++i) {
    std::vector<int64_t> aligned;
    std::optional<uint32_t> previous;
    for (const std::optional<uint32_t>& word : enc.word_ids[i]) {
      if (!word)
        aligned.push_back(-100);
      else if (word != previous)
        aligned.push_back(word_labels[i][*word]);
      else
        aligned.push_back(options.label_all_tokens ? b_to_i[size_t(word_labels[i][*word])] : -100);
      previous = word;
    }
    RowJson row;
    row["input_ids"] = enc.input_ids[i];
    if (!enc.token_type_ids.empty()) row["token_type_ids"] = enc.token_type_ids[i];
    row["attention_mask"] = enc.attention_mask[i];
    row["labels"] = aligned;
    rows.push_back(std::move(row));
  }
  return datasets::Dataset::from_rows(rows);
}

TokenTags token_tags(const EvalPrediction& p, const LabelSet& labels) {
  const Tensor logits = p.predictions.contiguous();
  const Tensor refs = p.label_ids.contiguous();
  if (logits.dim() != 3 || refs.dim() != 2 || refs.shape()[0] != logits.shape()[0] ||
      refs.shape()[1] != logits.shape()[1])
    throw Error("token classification: logits " + logits.describe() + " and labels " + refs.describe() +
                " are not [rows, length, labels] and [rows, length]");
  const int64_t n = logits.shape()[0], len = logits.shape()[1], c = logits.shape()[2];
  TokenTags out;
  for (int64_t i = 0; i < n; ++i) {
    auto& pred = out.predictions.emplace_back();
    auto& ref = out.references.emplace_back();
    for (int64_t t = 0; t < len; ++t) {
      const int64_t label = refs.data<int64_t>()[i * len + t];
      if (label == -100) continue;
      const float* x = logits.data<float>() + (i * len + t) * c;
      pred.push_back(labels.names.at(size_t(std::max_element(x, x + c) - x)));
      ref.push_back(labels.names.at(size_t(label)));
    }
  }
  return out;
}

ComputeMetrics token_classification_metrics(LabelSet labels, bool entity_level) {
  return [labels, entity_level](const EvalPrediction& p) {
    const TokenTags tags = token_tags(p, labels);
    const metrics::Scores s = metrics::compute("seqeval", Json(tags.predictions), Json(tags.references));
    if (entity_level) return Metrics(s.begin(), s.end());
    return Metrics{{"precision", s.at("overall_precision")},
                   {"recall", s.at("overall_recall")},
                   {"f1", s.at("overall_f1")},
                   {"accuracy", s.at("overall_accuracy")}};
  };
}

std::string token_predictions_text(const EvalPrediction& p, const LabelSet& labels) {
  std::string text;
  for (const auto& row : token_tags(p, labels).predictions) {
    for (size_t i = 0; i < row.size(); ++i) text += (i ? " " : "") + row[i];
    text += "\n";
  }
  return text;
}

}  // namespace cuddle::training
