// PreTrainedModel::forward_with_loss: each task head's loss as transformers computes it.
#include <algorithm>

#include "cuddle/models.h"
#include "cuddle/ops.h"

namespace cuddle {

namespace {

bool is_integer(DType t) { return !dtype_is_floating(t); }

Tensor sequence_classification_loss(const ModelConfig& c, const Tensor& logits, const Tensor& labels,
                                    float smoothing) {
  std::string problem = c.problem_type;
  if (problem.empty())
    problem = c.num_labels == 1 ? "regression"
              : is_integer(labels.dtype()) ? "single_label_classification"
                                           : "multi_label_classification";
  if (problem == "regression") {
    if (c.num_labels == 1) return ops::mse_loss(logits.reshape({-1}), labels.to(DType::F32).reshape({-1}));
    return ops::mse_loss(logits, labels.to(DType::F32).reshape(logits.shape()));
  }
  if (problem == "single_label_classification")
    return ops::cross_entropy(logits.reshape({-1, c.num_labels}), labels.reshape({-1}), -100, smoothing);
  if (problem == "multi_label_classification") {
    if (labels.shape() != logits.shape())
      throw ShapeError("multi_label_classification: labels " + labels.describe() + " must match logits " +
                       logits.describe() + " (one 0/1 target per label)");
    return ops::binary_cross_entropy_with_logits(logits, labels.to(DType::F32));
  }
  throw Error("problem_type \"" + problem +
              "\" is not one of regression, single_label_classification, multi_label_classification");
}

// transformers' QA loss: positions clamped to [0, S], S ignored.
Tensor span_loss(const Tensor& logits, const Tensor& positions, float smoothing) {
  const int64_t S = logits.size(1);
  std::vector<int64_t> p = positions.to_int_vector();
  for (auto& v : p) v = std::clamp<int64_t>(v, 0, S);
  return ops::cross_entropy(logits, Tensor::from_vector(p, {static_cast<int64_t>(p.size())}), S, smoothing);
}

// transformers' ForCausalLMLoss: position i predicts label i + 1 (the last position
// predicts nothing); the mean over the labels that are not -100, or their sum over
// num_items_in_batch when the Trainer counted the step's tokens.
Tensor causal_lm_loss(const Tensor& logits, const Tensor& labels, int64_t num_items, float smoothing) {
  const int64_t B = logits.size(0), S = logits.size(1), V = logits.size(2);
  const Tensor shifted_logits = logits.slice(1, 0, S - 1).contiguous().reshape({B * (S - 1), V});
  const Tensor shifted_labels = labels.slice(1, 1, S).contiguous().reshape({B * (S - 1)});
  Tensor loss = ops::cross_entropy(shifted_logits, shifted_labels, -100, smoothing);
  if (num_items <= 0) return loss;
  int64_t counted = 0;
  for (int64_t v : shifted_labels.to_int_vector()) counted += v != -100;
  // mean * counted / num_items == sum / num_items; no counted token gives 0, not NaN.
  if (counted == 0) return ops::scale(ops::sum(shifted_logits), 0.0f);
  return ops::scale(loss, float(double(counted) / double(num_items)));
}

}  // namespace

ModelOutputs PreTrainedModel::forward_with_loss(const ModelInputs& in, float smoothing) const {
  ModelOutputs out = forward(in, /*output_hidden_states=*/false);
  Tensor loss;
  const std::string who = class_name() + ": ";
  switch (task()) {
    case ModelTask::SequenceClassification:
    case ModelTask::ImageClassification:  // transformers uses the same loss for both
      if (in.labels.defined()) {
        const Tensor& logits = out.get("logits");
        if (in.labels.size(0) != logits.size(0))
          throw ShapeError(who + "labels " + in.labels.describe() + " do not match the batch of logits " +
                           logits.describe());
        loss = sequence_classification_loss(config(), logits, in.labels, smoothing);
      }
      break;
    case ModelTask::TokenClassification:
    case ModelTask::MaskedLM:
      if (in.labels.defined()) {
        const Tensor& logits = out.get("logits");
        const Shape expect(logits.shape().begin(), logits.shape().end() - 1);
        if (in.labels.shape() != expect)
          throw ShapeError(who + "labels " + in.labels.describe() + " must be " + shape_str(expect) +
                           ", one per position of logits " + logits.describe());
        loss = ops::cross_entropy(logits.reshape({-1, logits.size(-1)}), in.labels.reshape({-1}), -100, smoothing);
      }
      break;
    case ModelTask::CausalLM:
      if (in.labels.defined()) {
        const Tensor& logits = out.get("logits");
        if (in.labels.shape() != Shape{logits.size(0), logits.size(1)})
          throw ShapeError(who + "labels " + in.labels.describe() + " must be [" + std::to_string(logits.size(0)) +
                           ", " + std::to_string(logits.size(1)) + "], one per input token");
        if (logits.size(1) < 2) throw ShapeError(who + "a causal LM loss needs at least 2 tokens per sequence");
        loss = causal_lm_loss(logits, in.labels, in.num_items_in_batch, smoothing);
      }
      break;
    case ModelTask::QuestionAnswering:
      if (in.start_positions.defined() && in.end_positions.defined()) {
        const Tensor a = span_loss(out.get("start_logits"), in.start_positions, smoothing);
        const Tensor b = span_loss(out.get("end_logits"), in.end_positions, smoothing);
        loss = ops::scale(ops::add(a, b), 0.5f);
      }
      break;
    default:
      if (in.labels.defined())
        throw Error(who + "computing a loss for " + std::string(task_name(task())) + " is not supported yet");
  }
  if (loss.defined()) out.tensors.insert(out.tensors.begin(), {"loss", loss});
  return out;
}

}  // namespace cuddle
