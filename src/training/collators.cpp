// The collators of collators.h. Rows come out of the Arrow table as JSON values (list
// columns as arrays), then become int64 / f32 tensors.
#include "cuddle/collators.h"

#include <algorithm>

#include "cuddle/error.h"
#include "cuddle/random.h"

namespace cuddle::training {

namespace {

using Row = std::vector<int64_t>;

struct RawBatch {
  std::map<std::string, std::vector<Row>> sequences;  // input_ids, attention_mask, token_type_ids
  std::vector<Json> labels;                           // per row; null when absent
  bool has_labels = false;
  std::vector<int64_t> start_positions, end_positions;  // question answering's targets
};

const char* const kSequenceColumns[] = {"input_ids", "attention_mask", "token_type_ids", "special_tokens_mask"};

Row to_row(const Json& v, const std::string& column, int64_t row) {
  if (!v.is_array())
    throw Error("collator: row " + std::to_string(row) + " column " + column + " is not a list of token ids");
  Row out;
  out.reserve(v.size());
  for (const auto& e : v) out.push_back(e.is_null() ? -100 : e.get<int64_t>());
  return out;
}

RawBatch gather(const datasets::Dataset& ds, const std::vector<int64_t>& rows) {
  RawBatch b;
  const auto names = ds.column_names();
  auto has = [&](const std::string& c) { return std::find(names.begin(), names.end(), c) != names.end(); };
  if (!has("input_ids")) throw Error("collator: the dataset has no input_ids column (tokenise it first)");
  std::string label_col;
  for (const char* c : {"labels", "label", "label_ids"})
    if (has(c)) {
      label_col = c;
      break;
    }
  b.has_labels = !label_col.empty();
  for (int64_t r : rows) {
    const Json row = ds.row(r);
    for (const char* c : kSequenceColumns)
      if (row.contains(c) && !row[c].is_null()) b.sequences[c].push_back(to_row(row[c], c, r));
    if (b.has_labels) b.labels.push_back(row[label_col]);
    if (has("start_positions") && has("end_positions")) {
      b.start_positions.push_back(row["start_positions"].get<int64_t>());
      b.end_positions.push_back(row["end_positions"].get<int64_t>());
    }
  }
  return b;
}

int64_t padded_length(const std::vector<Row>& seqs, const PaddingOptions& o) {
  int64_t len = 0;
  for (const auto& s : seqs) len = std::max<int64_t>(len, int64_t(s.size()));
  if (o.pad_to_multiple_of && *o.pad_to_multiple_of > 0)
    len = (len + *o.pad_to_multiple_of - 1) / *o.pad_to_multiple_of * *o.pad_to_multiple_of;
  return len;
}

Tensor pad_rows(const std::vector<Row>& seqs, int64_t len, int64_t value, bool left) {
  const int64_t b = int64_t(seqs.size());
  std::vector<int64_t> flat(size_t(b * len), value);
  for (int64_t i = 0; i < b; ++i) {
    const auto& s = seqs[size_t(i)];
    const int64_t off = left ? len - int64_t(s.size()) : 0;
    std::copy(s.begin(), s.end(), flat.begin() + i * len + off);
  }
  return Tensor::from_vector(flat, {b, len});
}

void pad_sequences(const RawBatch& raw, const PaddingOptions& o, ModelInputs& in) {
  const int64_t len = padded_length(raw.sequences.at("input_ids"), o);
  in.input_ids = pad_rows(raw.sequences.at("input_ids"), len, o.pad_token_id, o.pad_left);
  if (auto it = raw.sequences.find("attention_mask"); it != raw.sequences.end())
    in.attention_mask = pad_rows(it->second, len, 0, o.pad_left);
  else {
    std::vector<Row> ones;
    for (const auto& s : raw.sequences.at("input_ids")) ones.emplace_back(s.size(), 1);
    in.attention_mask = pad_rows(ones, len, 0, o.pad_left);
  }
  if (auto it = raw.sequences.find("token_type_ids"); it != raw.sequences.end())
    in.token_type_ids = pad_rows(it->second, len, o.pad_token_type_id, o.pad_left);
}

// Class ids stay int64; any float (regression) or list of floats (multi-label) makes f32.
Tensor sequence_labels(const std::vector<Json>& labels) {
  const int64_t b = int64_t(labels.size());
  bool floats = false;
  int64_t width = -1;
  for (const auto& l : labels) {
    if (l.is_null()) throw Error("collator: a row has no label");
    if (l.is_array()) {
      floats = true;
      width = int64_t(l.size());
    } else if (l.is_number_float()) {
      floats = true;
    }
  }
  if (!floats) {
    std::vector<int64_t> v;
    for (const auto& l : labels) v.push_back(l.get<int64_t>());
    return Tensor::from_vector(v, {b});
  }
  std::vector<float> v;
  for (const auto& l : labels) {
    if (l.is_array()) {
      if (int64_t(l.size()) != width) throw Error("collator: multi-label rows have different lengths");
      for (const auto& e : l) v.push_back(e.get<float>());
    } else {
      v.push_back(l.get<float>());
    }
  }
  return width >= 0 ? Tensor::from_vector(v, {b, width}) : Tensor::from_vector(v, {b});
}

// Sequences padded, labels as class ids, QA's span targets as [B] int64.
ModelInputs sequence_batch(const RawBatch& raw, const PaddingOptions& o) {
  ModelInputs in;
  pad_sequences(raw, o, in);
  if (raw.has_labels) in.labels = sequence_labels(raw.labels);
  if (!raw.start_positions.empty()) {
    const int64_t b = int64_t(raw.start_positions.size());
    in.start_positions = Tensor::from_vector(raw.start_positions, {b});
    in.end_positions = Tensor::from_vector(raw.end_positions, {b});
  }
  return in;
}

}  // namespace

DataCollator data_collator_with_padding(const PaddingOptions& options) {
  return [options](const datasets::Dataset& ds, const std::vector<int64_t>& rows) {
    return sequence_batch(gather(ds, rows), options);
  };
}

DataCollator data_collator_for_token_classification(const PaddingOptions& options) {
  return [options](const datasets::Dataset& ds, const std::vector<int64_t>& rows) {
    const RawBatch raw = gather(ds, rows);
    ModelInputs in;
    pad_sequences(raw, options, in);
    if (raw.has_labels) {
      std::vector<Row> labels;
      for (size_t i = 0; i < raw.labels.size(); ++i) labels.push_back(to_row(raw.labels[i], "labels", rows[i]));
      in.labels = pad_rows(labels, in.input_ids.shape()[1], -100, options.pad_left);
    }
    return in;
  };
}

DataCollator default_data_collator() {
  return [](const datasets::Dataset& ds, const std::vector<int64_t>& rows) {
    const RawBatch raw = gather(ds, rows);
    for (const auto& [name, seqs] : raw.sequences)
      for (const auto& s : seqs)
        if (s.size() != seqs[0].size())
          throw Error("default_data_collator: column " + name +
                      " has rows of different lengths; pad while tokenising or use DataCollatorWithPadding");
    return sequence_batch(raw, PaddingOptions{});
  };
}

DataCollator data_collator_for_language_modeling(const LanguageModelingOptions& options) {
  if (options.mlm && (options.vocab_size <= 0))
    throw Error("DataCollatorForLanguageModeling: mlm needs the vocabulary size and the mask token");
  return [options](const datasets::Dataset& ds, const std::vector<int64_t>& rows) {
    const RawBatch raw = gather(ds, rows);
    ModelInputs in;
    pad_sequences(raw, options.padding, in);
    const int64_t n = in.input_ids.numel();
    int64_t* ids = in.input_ids.data<int64_t>();
    const int64_t* mask = in.attention_mask.data<int64_t>();
    std::vector<int64_t> labels(size_t(n), -100);
    // A special_tokens_mask column (the tokenizer's, as run_mlm.py asks for it) decides
    // which tokens are special, padded with 1 as tokenizer.pad pads it; without one the
    // ids in special_ids are, as transformers falls back to all_special_ids.
    Tensor special_mask;
    if (auto it = raw.sequences.find("special_tokens_mask"); it != raw.sequences.end())
      special_mask = pad_rows(it->second, in.input_ids.shape()[1], 1, options.padding.pad_left);
    auto is_special = [&](int64_t i) {
      if (!mask[i]) return true;
      if (special_mask.defined()) return special_mask.data<int64_t>()[i] != 0;
      return std::find(options.special_ids.begin(), options.special_ids.end(), ids[i]) != options.special_ids.end();
    };
    if (!options.mlm) {
      for (int64_t i = 0; i < n; ++i)
        if (mask[i]) labels[size_t(i)] = ids[i];
    } else {
      // Three independent draws per token, as transformers' three bernoulli masks.
      const uint64_t stream = next_random_stream();
      for (int64_t i = 0; i < n; ++i) {
        if (is_special(i) || uniform_at(stream, 4 * uint64_t(i)) >= options.mlm_probability) continue;
        labels[size_t(i)] = ids[i];
        if (uniform_at(stream, 4 * uint64_t(i) + 1) < 0.8)
          ids[i] = options.mask_token_id;
        else if (uniform_at(stream, 4 * uint64_t(i) + 2) < 0.5)
          ids[i] = int64_t(uniform_at(stream, 4 * uint64_t(i) + 3) * float(options.vocab_size)) % options.vocab_size;
      }
    }
    in.labels = Tensor::from_vector(labels, in.input_ids.shape());
    return in;
  };
}

}  // namespace cuddle::training
