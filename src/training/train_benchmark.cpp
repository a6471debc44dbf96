#include "cuddle/train_benchmark.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "cuddle/autograd.h"
#include "cuddle/optim.h"
#include "cuddle/random.h"
#include "cuddle/threading.h"
#include "kernels/cpu/fma_peak.h"
#include "models/benchmark_util.h"

namespace cuddle {

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

ModelTask task_from_name(const std::string& name) {
  if (name == "sequence-classification") return ModelTask::SequenceClassification;
  if (name == "token-classification") return ModelTask::TokenClassification;
  if (name == "question-answering") return ModelTask::QuestionAnswering;
  if (name == "masked-lm") return ModelTask::MaskedLM;
  if (name == "causal-lm") return ModelTask::CausalLM;
  throw Error("bench train: --task " + name +
              " is not one of sequence-classification, token-classification, question-answering, masked-lm, "
              "causal-lm");
}
}  // namespace

TrainBenchResult bench_train(const std::string& dir, const TrainBenchOptions& opt) {
  TrainBenchResult r;
  r.threads = num_threads();
  std::shared_ptr<PreTrainedModel> model =
      opt.task.empty() ? load_model_from_architectures(dir) : load_model(dir, task_from_name(opt.task));
  r.model_class = model->class_name();
  const int64_t vocab = model->config().json().value("vocab_size", int64_t{30522});
  ModelInputs in;
  in.input_ids = bench::synthetic_ids(opt.batch, opt.seq, vocab);
  in.attention_mask = Tensor::full({opt.batch, opt.seq}, 1.0f).to(DType::I64);
  std::vector<int64_t> labels;
  const int64_t classes = std::max<int64_t>(model->config().num_labels, 1);
  switch (model->task()) {
    case ModelTask::SequenceClassification:
      for (int64_t b = 0; b < opt.batch; ++b) labels.push_back(b % classes);
      in.labels = Tensor::from_vector(labels, {opt.batch});
      break;
    case ModelTask::TokenClassification:
    case ModelTask::MaskedLM: {
      const int64_t n = model->task() == ModelTask::MaskedLM ? vocab : classes;
      for (int64_t i = 0; i < opt.batch * opt.seq; ++i) labels.push_back((i * 31) % n);
      in.labels = Tensor::from_vector(labels, {opt.batch, opt.seq});
      break;
    }
    case ModelTask::CausalLM:  // run_clm.py's labels: the input ids (the model shifts them)
      in.labels = in.input_ids;
      break;
    case ModelTask::QuestionAnswering:
      for (int64_t b = 0; b < opt.batch; ++b) labels.push_back((b * 7) % opt.seq);
      in.start_positions = in.end_positions = Tensor::from_vector(labels, {opt.batch});
      break;
    default:
      throw Error("bench train: " + r.model_class + " has no training loss yet");
  }

  // Forward alone, as inference runs it (before the model becomes trainable).
  auto time_forward = [&] {
    autograd::NoGradGuard no_grad;
    std::vector<double> fw;
    for (int i = 0; i < 4; ++i) {
      const double t0 = bench::now_ms();
      model->forward(in, false);
      if (i > 0) fw.push_back(bench::now_ms() - t0);
    }
    return median(fw);
  };
  r.forward_ms = time_forward();

  manual_seed(0);
  std::vector<training::ParamGroup> groups;
  if (opt.prepare) {
    groups = opt.prepare(model);
    r.prepared_forward_ms = time_forward();
  } else {
    nn::make_trainable(*model);
    groups = training::decay_parameter_groups(*model, 2e-5, 0.01);
  }
  model->train();
  training::AdamW adamw(std::move(groups));
  const auto params = training::all_parameters(adamw);
  for (const auto& p : params) r.trainable_params += p.tensor.numel();
  std::vector<double> steps, backward;
  for (int i = 0; i <= opt.steps; ++i) {
    const double t0 = bench::now_ms();
    const Tensor loss = model->forward_with_loss(in).get("loss");
    const double t1 = bench::now_ms();
    loss.backward();
    const double t2 = bench::now_ms();
    training::clip_grad_norm(params, 1.0);
    adamw.step();
    adamw.zero_grad();
    if (i == 0) continue;  // warm-up: first-touch of gradient and optimiser memory
    steps.push_back(bench::now_ms() - t0);
    backward.push_back(t2 - t1);
  }
  r.train_step_median_ms = median(steps);
  r.backward_ms = median(backward);
  r.gflop_per_step = (opt.frozen_base ? 2.0 : 3.0) * bench::flops_per_sequence(*model, opt.seq) * double(opt.batch) / 1e9;
  if (opt.measure_peak) {
    r.fma_peak_gflops = kernels::measure_fma_peak_gflops();
    if (r.fma_peak_gflops > 0)
      r.fraction_of_fma_peak = r.gflop_per_step / (r.train_step_median_ms / 1e3) / r.fma_peak_gflops;
  }
  r.peak_rss_mb = bench::peak_rss_mb();
  return r;
}

}  // namespace cuddle
