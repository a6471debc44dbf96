// run_mlm.py around the Trainer (train_tasks.h): texts tokenised line by line or
// concatenated into blocks, DataCollatorForLanguageModeling's settings, accuracy over the
// masked positions.
#include <algorithm>

#include "cuddle/error.h"
#include "cuddle/train_tasks.h"
#include "training/tasks/columns.h"

namespace cuddle::training {

using RowJson = datasets::Json;

namespace {

// run_mlm.py's map batch: group_texts concatenates this many rows at a time.
constexpr size_t kGroupBatch = 1000;

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// The columns of one example, as run_mlm.py's tokenised rows hold them.
struct Columns {
  std::vector<uint32_t> input_ids, token_type_ids, attention_mask, special_tokens_mask;
};

RowJson row_of(const Columns& c, bool token_types) {
  RowJson row;
  row["input_ids"] = c.input_ids;
  if (token_types) row["token_type_ids"] = c.token_type_ids;
  row["attention_mask"] = c.attention_mask;
  row["special_tokens_mask"] = c.special_tokens_mask;
  return row;
}

}  // namespace

int64_t masked_lm_length(const AutoTokenizer& tokenizer, const MaskedLmOptions& options) {
  const int64_t model_max = int64_t(std::min<size_t>(tokenizer.model_max_length(), size_t(INT64_MAX)));
  if (options.max_seq_length) {
    if (*options.max_seq_length <= 0)
      throw Error("--max_seq_length must be positive, got " + std::to_string(*options.max_seq_length));
    return std::min(*options.max_seq_length, model_max);
  }
  return std::min<int64_t>(model_max, 1024);
}

datasets::Dataset tokenize_for_masked_lm(const AutoTokenizer& tokenizer, const datasets::Dataset& ds,
                                         const MaskedLmOptions& options, const std::string& split) {
  std::string column = options.text_column;
  if (column.empty()) column = has_column(ds, "text") || ds.column_names().empty() ? "text" : ds.column_names()[0];
  require_column(ds, column, split, "text");
  const int64_t length = masked_lm_length(tokenizer, options);
  std::vector<std::string> texts;
  for (const RowJson& v : ds.column_values(column)) {
    const std::string t = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
    // line_by_line keeps the lines that hold something, as run_mlm.py filters them.
    if (!options.line_by_line || !blank(t)) texts.push_back(t);
  }
  CallOptions call;
  if (options.line_by_line) {
    call.truncation = true;
    call.max_length = size_t(length);
    if (options.pad_to_max_length) call.padding = "max_length";
  }
  const BatchEncoding enc = tokenizer(texts, call);
  const bool token_types = !enc.token_type_ids.empty();
  std::vector<RowJson> rows;
  if (options.line_by_line) {
    for (size_t i = 0; i < texts.size(); ++i)
      rows.push_back(row_of({enc.input_ids[i], token_types ? enc.token_type_ids[i] : std::vector<uint32_t>{},
                             enc.attention_mask[i], enc.special_tokens_mask[i]},
                            token_types));
  } else {
    // group_texts: each map batch's tokens concatenated and cut into blocks of `length`,
    // the batch's remainder dropped.
    for (size_t start = 0; start < texts.size(); start += kGroupBatch) {
      Columns all;
      for (size_t i = start; i < std::min(texts.size(), start + kGroupBatch); ++i) {
        all.input_ids.insert(all.input_ids.end(), enc.input_ids[i].begin(), enc.input_ids[i].end());
        if (token_types)
          all.token_type_ids.insert(all.token_type_ids.end(), enc.token_type_ids[i].begin(),
                                    enc.token_type_ids[i].end());
        all.attention_mask.insert(all.attention_mask.end(), enc.attention_mask[i].begin(),
                                  enc.attention_mask[i].end());
        all.special_tokens_mask.insert(all.special_tokens_mask.end(), enc.special_tokens_mask[i].begin(),
                                       enc.special_tokens_mask[i].end());
      }
      const size_t blocks = all.input_ids.size() / size_t(length);
      for (size_t b = 0; b < blocks; ++b) {
        auto cut = [&](const std::vector<uint32_t>& v) {
          return v.empty() ? v : std::vector<uint32_t>(v.begin() + b * length, v.begin() + (b + 1) * length);
        };
        rows.push_back(row_of({cut(all.input_ids), cut(all.token_type_ids), cut(all.attention_mask),
                               cut(all.special_tokens_mask)},
                              token_types));
      }
    }
  }
  if (rows.empty())
    throw Error(split + ": no example to train on: " +
                (options.line_by_line ? std::string("every line is blank")
                                      : "the texts hold fewer tokens than one block of " + std::to_string(length) +
                                            " (lower --max_seq_length or use --line_by_line)"));
  return datasets::Dataset::from_rows(rows);
}

LanguageModelingOptions masked_lm_collator_options(const AutoTokenizer& tokenizer, double mlm_probability) {
  if (!(mlm_probability > 0 && mlm_probability < 1))
    throw Error("--mlm_probability must be between 0 and 1, got " + std::to_string(mlm_probability));
  const auto mask = tokenizer.special_token("mask_token");
  const auto mask_id = mask ? tokenizer.tokenizer().token_to_id(*mask) : std::nullopt;
  if (!mask_id)
    throw Error("fill-mask: the tokenizer has no mask token (mask_token in tokenizer_config.json), which masked "
                "language modelling needs");
  LanguageModelingOptions o;
  o.mlm_probability = mlm_probability;
  o.mask_token_id = *mask_id;
  o.vocab_size = int64_t(tokenizer.tokenizer().vocab_size(true));
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
    if (const auto t = tokenizer.special_token(key))
      if (const auto id = tokenizer.tokenizer().token_to_id(*t)) o.special_ids.push_back(*id);
  o.padding.pad_token_id = tokenizer.pad_token_id().value_or(0);
  return o;
}

PreprocessLogits masked_lm_preprocess_logits() {
  return [](const Tensor& logits, const Tensor&) {
    const Tensor x = logits.contiguous();
    const int64_t v = x.shape().back(), positions = x.numel() / v;
    Shape shape = x.shape();
    shape.pop_back();
    std::vector<int64_t> ids(static_cast<size_t>(positions));
    for (int64_t p = 0; p < positions; ++p) {
      const float* row = x.data<float>() + p * v;
      ids[size_t(p)] = int64_t(std::max_element(row, row + v) - row);
    }
    return Tensor::from_vector(ids, shape);
  };
}

ComputeMetrics masked_lm_metrics() {
  return [](const EvalPrediction& p) {
    const Tensor preds = p.predictions.contiguous(), labels = p.label_ids.contiguous();
    if (preds.numel() != labels.numel())
      throw Error("fill-mask: predictions " + preds.describe() + " and labels " + labels.describe() +
                  " differ in size");
    std::vector<int64_t> pred, ref;
    for (int64_t i = 0; i < labels.numel(); ++i)
      if (labels.data<int64_t>()[i] != -100) {
        pred.push_back(preds.data<int64_t>()[i]);
        ref.push_back(labels.data<int64_t>()[i]);
      }
    // No masked position at all (a tiny evaluation set): nothing to score.
    if (ref.empty()) return Metrics{};
    return Metrics{{"accuracy", metrics::accuracy(pred, ref)}};
  };
}

}  // namespace cuddle::training
