// Helpers the task files share: tokenizing with the model's length limit, padding a batch
// into model inputs, running the model batch by batch, softmax, label names.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/pipeline.h"
#include "cuddle/tokenizer.h"

namespace cuddle::pipelines {

// The longest input the model takes: the tokenizer's model_max_length when it names one,
// else the config's max_position_embeddings (minus RoBERTa's padding offset).
size_t max_input_length(const PreTrainedModel& model, const AutoTokenizer& tokenizer);

// Encodes with special tokens and character offsets, truncating to `truncation` (where
// transformers would fail on an over-long input, cuddle truncates it; docs/pipelines.md).
std::vector<Encoding> encode_texts(const AutoTokenizer& tokenizer, const std::vector<std::string>& texts,
                                   const TruncationParams& truncation);
// Every task's first step: the texts of `inputs`, encoded by encode_texts truncated to
// max_input_length. With a `stride`, each encoding's overflowing windows (overlapping by
// that many tokens) cover the rest of its text; without, they are incomplete (tokenizers'
// early exit) and only the first window is meant to be used.
struct EncodedTexts {
  std::vector<std::string> texts;
  std::vector<Encoding> encodings;
};
EncodedTexts encode_inputs(const PreTrainedModel& model, const AutoTokenizer& tokenizer,
                           const std::vector<PipelineInput>& inputs, std::optional<size_t> stride = std::nullopt);
std::vector<Encoding> encode_pairs(const AutoTokenizer& tokenizer,
                                   const std::vector<std::pair<std::string, std::string>>& pairs,
                                   const TruncationParams& truncation);

// Encodings truncated with a stride keep their further windows in `overflowing` (offsets
// still into the original text). Windows lists every window of every encoding, the first
// window of each followed by its overflow, with the index of the encoding it came from.
struct Windows {
  std::vector<Encoding> encodings;
  std::vector<size_t> owner;
};
Windows split_windows(std::vector<Encoding> encoded);

// Pads `batch` to its longest member with the tokenizer's pad id and builds model inputs
// (token_type_ids only when the tokenizer's model_input_names has them).
ModelInputs to_model_inputs(const AutoTokenizer& tokenizer, const std::vector<const Encoding*>& batch);

// Runs the model over `encodings` in batches of `batch_size` (inputs of similar length
// together) and returns, in input order, per encoding, the
// chosen output's row as a contiguous f32 tensor: [C] for per-sequence outputs, [len, ...]
// (padding cut off) when `per_token(output)` says the output has a sequence axis.
// `pick` chooses the output from the model's outputs.
using OutputPicker = std::function<const Tensor&(const ModelOutputs&)>;
std::vector<std::vector<Tensor>> forward_rows(const PreTrainedModel& model, const AutoTokenizer& tokenizer,
                                              const std::vector<Encoding>& encodings, size_t batch_size,
                                              const std::vector<OutputPicker>& outputs,
                                              const std::function<bool(const Tensor&)>& per_token);
// A picker for a named output.
OutputPicker output_named(std::string name);

// Softmax / sigmoid as transformers' postprocessing computes them (max-shifted exp).
std::vector<float> softmax(const float* x, size_t n);
float sigmoid(float x);

// The score function of text- and image-classification, as transformers picks it: sigmoid
// for multi-label problems or a single output, softmax otherwise, unless `requested`
// ("sigmoid", "softmax", "none") names one. Throws Error for any other request.
enum class ScoreFunction { Sigmoid, Softmax, None };
ScoreFunction score_function(const ModelConfig& config, const std::string& requested);
std::vector<float> apply_score_function(ScoreFunction fn, const float* x, size_t n);

// Python's str.format with one positional argument, as the zero-shot pipelines fill their
// hypothesis_template: "{}" / "{0}" take the label, "{{" and "}}" are braces; anything
// else in braces is an Error.
std::string format_hypothesis(const std::string& tpl, const std::string& label);

// Nested JSON arrays of a contiguous f32 tensor, outermost dimension first (torch's tolist()).
PipelineOutput to_nested(const float* data, const Shape& shape, size_t dim = 0);

// Index of the largest value (the first one on ties, as numpy's argmax).
size_t argmax(const float* x, size_t n);

// id2label[id]; throws Error naming config.json when the id has no label.
const std::string& label_name(const ModelConfig& config, int64_t id);

// Indices of the `k` highest `scores`, highest first, equal scores in input order (Python's
// stable sort with reverse=True); all of them by default.
std::vector<size_t> order_descending(const std::vector<float>& scores, size_t k = SIZE_MAX);

}  // namespace cuddle::pipelines
