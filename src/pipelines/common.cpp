#include "pipelines/common.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

namespace cuddle::pipelines {

size_t max_input_length(const PreTrainedModel& model, const AutoTokenizer& tokenizer) {
  // Tokenizers saved without a limit report a huge model_max_length (int(1e30)).
  if (tokenizer.model_max_length() < (size_t{1} << 32)) return tokenizer.model_max_length();
  const auto& cfg = model.config();
  // Two-tower models (CLIP) keep the text limit in text_config.
  const auto& text = cfg.json().contains("text_config") ? cfg.json()["text_config"] : cfg.json();
  int64_t positions = text.value("max_position_embeddings", int64_t{512});
  // RoBERTa-style position ids start after the padding index.
  if (cfg.model_type == "roberta" || cfg.model_type == "xlm-roberta")
    positions -= cfg.pad_token_id.value_or(1) + 1;
  return static_cast<size_t>(std::max<int64_t>(positions, 1));
}

std::vector<Encoding> encode_texts(const AutoTokenizer& tokenizer, const std::vector<std::string>& texts,
                                   const TruncationParams& truncation) {
  Tokenizer t = tokenizer.tokenizer();
  t.set_truncation(truncation);
  std::vector<TextInput> in(texts.begin(), texts.end());
  return t.encode_batch(in);
}

EncodedTexts encode_inputs(const PreTrainedModel& model, const AutoTokenizer& tokenizer,
                           const std::vector<PipelineInput>& inputs, std::optional<size_t> stride) {
  EncodedTexts e;
  for (const auto& in : inputs) e.texts.push_back(in.text);
  TruncationParams trunc;
  trunc.max_length = max_input_length(model, tokenizer);
  trunc.stride = stride.value_or(0);
  // Without a stride only the first window is used; with one, the windows must cover the
  // whole text (docs/pipelines.md).
  trunc.early_exit = !stride;
  e.encodings = encode_texts(tokenizer, e.texts, trunc);
  return e;
}

std::vector<Encoding> encode_pairs(const AutoTokenizer& tokenizer,
                                   const std::vector<std::pair<std::string, std::string>>& pairs,
                                   const TruncationParams& truncation) {
  Tokenizer t = tokenizer.tokenizer();
  t.set_truncation(truncation);
  std::vector<std::pair<TextInput, TextInput>> in;
  in.reserve(pairs.size());
  for (const auto& [a, b] : pairs) in.emplace_back(a, b);
  return t.encode_batch_pairs(in);
}

Windows split_windows(std::vector<Encoding> encoded) {
  Windows w;
  for (size_t i = 0; i < encoded.size(); ++i) {
    std::vector<Encoding> overflow = std::move(encoded[i].overflowing);
    encoded[i].overflowing.clear();
    w.encodings.push_back(std::move(encoded[i]));
    w.owner.push_back(i);
    for (auto& o : overflow) w.encodings.push_back(std::move(o)), w.owner.push_back(i);
  }
  return w;
}

ModelInputs to_model_inputs(const AutoTokenizer& tokenizer, const std::vector<const Encoding*>& batch) {
  size_t len = 0;
  for (const Encoding* e : batch) len = std::max(len, e->size());
  const auto b = static_cast<int64_t>(batch.size()), s = static_cast<int64_t>(len);
  ModelInputs in;
  in.input_ids = Tensor::zeros({b, s}, DType::I64);
  in.attention_mask = Tensor::zeros({b, s}, DType::I64);
  const auto& names = tokenizer.model_input_names();
  bool types = std::find(names.begin(), names.end(), "token_type_ids") != names.end();
  if (types) in.token_type_ids = Tensor::zeros({b, s}, DType::I64);
  int64_t* ids = in.input_ids.data<int64_t>();
  int64_t* mask = in.attention_mask.data<int64_t>();
  std::fill(ids, ids + b * s, static_cast<int64_t>(tokenizer.pad_token_id().value_or(0)));
  for (int64_t r = 0; r < b; ++r) {
    const Encoding& e = *batch[r];
    for (size_t i = 0; i < e.size(); ++i) {
      ids[r * s + i] = e.ids[i];
      mask[r * s + i] = e.attention_mask[i];
      if (types) in.token_type_ids.data<int64_t>()[r * s + i] = e.type_ids[i];
    }
  }
  return in;
}

OutputPicker output_named(std::string name) {
  return [name = std::move(name)](const ModelOutputs& out) -> const Tensor& { return out.get(name); };
}

std::vector<std::vector<Tensor>> forward_rows(const PreTrainedModel& model, const AutoTokenizer& tokenizer,
                                              const std::vector<Encoding>& encodings, size_t batch_size,
                                              const std::vector<OutputPicker>& outputs,
                                              const std::function<bool(const Tensor&)>& per_token) {
  // Batches are formed from inputs of similar length, so little compute goes to padding;
  // padded positions get exactly zero attention, so each row's result does not depend on
  // its batch mates (beyond float rounding).
  std::vector<size_t> order(encodings.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return encodings[a].size() < encodings[b].size(); });
  std::vector<std::vector<Tensor>> rows(encodings.size());
  batch_size = std::max<size_t>(batch_size, 1);
  for (size_t start = 0; start < order.size(); start += batch_size) {
    size_t end = std::min(order.size(), start + batch_size);
    std::vector<const Encoding*> batch;
    for (size_t k = start; k < end; ++k) batch.push_back(&encodings[order[k]]);
    ModelOutputs out = model.forward(to_model_inputs(tokenizer, batch), /*output_hidden_states=*/false);
    for (const auto& pick : outputs) {
      Tensor t = pick(out).to(DType::F32);
      bool tokens = per_token(t);
      for (size_t k = start; k < end; ++k) {
        size_t i = order[k];
        Tensor row = t.select(0, static_cast<int64_t>(k - start));
        if (tokens) row = row.slice(0, 0, static_cast<int64_t>(encodings[i].size()));
        rows[i].push_back(row.contiguous());
      }
    }
  }
  return rows;
}

std::vector<float> softmax(const float* x, size_t n) {
  std::vector<float> out(n);
  if (n == 0) return out;
  float max = *std::max_element(x, x + n);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += out[i] = std::exp(x[i] - max);
  for (float& v : out) v /= sum;
  return out;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

ScoreFunction score_function(const ModelConfig& config, const std::string& requested) {
  if (requested == "sigmoid") return ScoreFunction::Sigmoid;
  if (requested == "softmax") return ScoreFunction::Softmax;
  if (requested == "none") return ScoreFunction::None;
  if (!requested.empty())
    throw Error("function_to_apply must be \"sigmoid\", \"softmax\" or \"none\", got \"" + requested + "\"");
  if (config.problem_type == "multi_label_classification" || config.num_labels == 1) return ScoreFunction::Sigmoid;
  if (config.problem_type == "single_label_classification" || config.num_labels > 1) return ScoreFunction::Softmax;
  return ScoreFunction::None;
}

std::vector<float> apply_score_function(ScoreFunction fn, const float* x, size_t n) {
  switch (fn) {
    case ScoreFunction::Softmax: return softmax(x, n);
    case ScoreFunction::Sigmoid: {
      std::vector<float> out(n);
      for (size_t i = 0; i < n; ++i) out[i] = sigmoid(x[i]);
      return out;
    }
    case ScoreFunction::None: break;
  }
  return std::vector<float>(x, x + n);
}

// Python's str.format with one positional argument: "{}" / "{0}" take the label, "{{" and
// "}}" are braces; anything else in braces is an error.
std::string format_hypothesis(const std::string& tpl, const std::string& label) {
  std::string out;
  bool used = false;
  for (size_t i = 0; i < tpl.size(); ++i) {
    char c = tpl[i];
    if ((c == '{' || c == '}') && i + 1 < tpl.size() && tpl[i + 1] == c) {
      out += c;
      ++i;
    } else if (c == '{' && (tpl.compare(i, 2, "{}") == 0 || tpl.compare(i, 3, "{0}") == 0)) {
      out += label;
      i += tpl[i + 1] == '}' ? 1 : 2;
      used = true;
    } else if (c == '{' || c == '}') {
      throw Error("hypothesis_template \"" + tpl + "\": unsupported braces at character " + std::to_string(i + 1) +
                  " (use {} where the label goes, {{ and }} for literal braces)");
    } else {
      out += c;
    }
  }
  if (!used)
    throw Error("hypothesis_template \"" + tpl + "\" has no {} where the label goes (e.g. \"This example is {}.\")");
  return out;
}

size_t argmax(const float* x, size_t n) { return static_cast<size_t>(std::max_element(x, x + n) - x); }

const std::string& label_name(const ModelConfig& config, int64_t id) {
  auto it = config.id2label.find(id);
  if (it == config.id2label.end())
    throw FormatError(config.path + ": \"id2label\" has no label for class " + std::to_string(id) +
                      " (the model has " + std::to_string(config.num_labels) + " outputs)");
  return it->second;
}

std::vector<size_t> order_descending(const std::vector<float>& scores, size_t k) {
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  k = std::min(k, idx.size());
  // Ties broken by index: the order a stable sort gives.
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), [&](size_t a, size_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  idx.resize(k);
  return idx;
}

PipelineOutput to_nested(const float* data, const Shape& shape, size_t dim) {
  PipelineOutput out = PipelineOutput::array();
  if (dim + 1 == shape.size()) {
    for (int64_t i = 0; i < shape[dim]; ++i) out.push_back(data[i]);
    return out;
  }
  int64_t stride = 1;
  for (size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
  for (int64_t i = 0; i < shape[dim]; ++i) out.push_back(to_nested(data + i * stride, shape, dim + 1));
  return out;
}

}  // namespace cuddle::pipelines
