// Evaluation and prediction (transformers' evaluation_loop): the model in eval mode without
// a tape, batches in order, the loss averaged over samples, logits and labels gathered
// (token-level ones padded with -100), compute_metrics, speed metrics, logging.
#include <algorithm>
#include <chrono>
#include <cstring>

#include "cuddle/autograd.h"
#include "cuddle/error.h"
#include "cuddle/trainer.h"
#include "training/trainer_loop.h"

namespace cuddle::training {

namespace {

// Concatenates along dim 0; tensors whose dim 1 differ are padded to the largest with
// `pad`, as the Trainer's nested_concat pads token-level outputs.
Tensor concat_padded(const std::vector<Tensor>& parts, float pad) {
  if (parts.empty()) return {};
  Shape shape = parts[0].shape();
  int64_t rows = 0;
  for (const auto& p : parts) {
    rows += p.shape()[0];
    if (p.dim() > 1) shape[1] = std::max(shape[1], p.shape()[1]);
  }
  shape[0] = rows;
  const DType dtype = parts[0].dtype();
  const size_t elem = size_t(dtype_bits(dtype) / 8);
  Tensor out = dtype == DType::I64 ? Tensor::zeros(shape, DType::I64) : Tensor::full(shape, pad);
  if (dtype == DType::I64) std::fill_n(out.data<int64_t>(), out.numel(), int64_t(pad));
  // Each row is [dim1, rest]: `rest` contiguous elements per position along dim 1.
  const int64_t out_dim1 = shape.size() > 1 ? shape[1] : 1;
  const int64_t rest = out.numel() / std::max<int64_t>(rows * out_dim1, 1);
  char* dst = static_cast<char*>(out.raw_data());
  int64_t row0 = 0;
  for (const auto& part : parts) {
    const Tensor p = part.to(dtype).contiguous();
    const int64_t n = p.shape()[0], dim1 = p.dim() > 1 ? p.shape()[1] : 1;
    const char* src = static_cast<const char*>(p.raw_data());
    for (int64_t r = 0; r < n; ++r)
      std::memcpy(dst + size_t(((row0 + r) * out_dim1) * rest) * elem, src + size_t(r * dim1 * rest) * elem,
                  size_t(dim1 * rest) * elem);
    row0 += n;
  }
  return out;
}

// [rows, length] start and end logits side by side: [rows, length, 2].
Tensor stack_spans(const Tensor& start, const Tensor& end) {
  const Tensor s = start.contiguous(), e = end.contiguous();
  Tensor out = Tensor::zeros({s.size(0), s.size(1), 2});
  float* o = out.data<float>();
  for (int64_t i = 0; i < s.numel(); ++i) {
    o[2 * i] = s.data<float>()[i];
    o[2 * i + 1] = e.data<float>()[i];
  }
  return out;
}

// The output compute_metrics sees: logits, both span logits of a QA model, or the first
// output after the loss.
Tensor prediction_of(const ModelOutputs& out) {
  if (out.contains("logits")) return out.get("logits");
  if (out.contains("start_logits") && out.contains("end_logits"))
    return stack_spans(out.get("start_logits"), out.get("end_logits"));
  for (const auto& [name, t] : out.tensors)
    if (name != "loss") return t;
  throw Error("evaluation: the model returned no outputs");
}

}  // namespace

PredictionOutput Trainer::predict(const datasets::Dataset& ds, const std::string& prefix) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool was_training = model_.is_training();
  model_.eval();
  autograd::NoGradGuard no_grad;
  std::vector<Tensor> preds, labels;
  double loss_sum = 0;
  int64_t loss_rows = 0, steps = 0;
  const int64_t n = ds.num_rows(), bs = args_.per_device_eval_batch_size;
  for (int64_t start = 0; start < n; start += bs, ++steps) {
    std::vector<int64_t> rows;
    for (int64_t i = start; i < std::min(n, start + bs); ++i) rows.push_back(i);
    const ModelInputs inputs = batch(ds, rows);
    const bool has_labels = inputs.labels.defined() || inputs.start_positions.defined();
    const ModelOutputs out = has_labels ? model_.forward_with_loss(inputs) : model_.forward(inputs, false);
    if (has_labels) {
      // The Trainer repeats each batch's mean loss batch-size times before averaging.
      loss_sum += double(out.get("loss").contiguous().data<float>()[0]) * double(rows.size());
      loss_rows += int64_t(rows.size());
    }
    const Tensor logits = prediction_of(out).contiguous();
    preds.push_back(preprocess_logits_ ? preprocess_logits_(logits, inputs.labels).contiguous() : logits);
    if (inputs.labels.defined()) labels.push_back(inputs.labels.contiguous());
  }
  if (was_training) model_.train();
  PredictionOutput result;
  result.prediction.predictions = concat_padded(preds, -100.0f);
  if (!labels.empty()) result.prediction.label_ids = concat_padded(labels, -100.0f);
  Metrics m;
  if (post_process_metrics_)
    m = post_process_metrics_(result.prediction, prefix);
  else if (compute_metrics_ && result.prediction.label_ids.defined())
    m = compute_metrics_(result.prediction);
  Metrics prefixed;
  if (loss_rows > 0) prefixed[prefix + "_loss"] = loss_sum / double(loss_rows);
  for (const auto& [k, v] : m) prefixed[k.starts_with(prefix + "_") ? k : prefix + "_" + k] = v;
  const double runtime = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  add_speed_metrics(prefixed, prefix, runtime, double(n), steps);
  result.metrics = prefixed;
  return result;
}

Metrics Trainer::evaluate(const datasets::Dataset* dataset, const std::string& prefix) {
  const datasets::Dataset* ds = dataset ? dataset : (eval_dataset_ ? &*eval_dataset_ : nullptr);
  if (!ds) throw Error("Trainer::evaluate: no evaluation dataset was given");
  if (ds->num_rows() == 0) throw Error("Trainer::evaluate: the evaluation dataset is empty");
  const Metrics metrics = predict(*ds, prefix).metrics;
  log(Json(metrics));
  call([&](TrainerCallback& c) { c.on_evaluate(args_, state_, control_, metrics); });
  control_.should_evaluate = false;
  return metrics;
}

}  // namespace cuddle::training
