#include "cuddle/benchmark.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "cuddle/models.h"
#include "cuddle/threading.h"
#include "kernels/cpu/fma_peak.h"
#include "kernels/cpu/sgemm_peak.h"
#include "kernels/cpu/weight_gemm.h"
#include "models/benchmark_util.h"
#include "models/quantizable_layers.h"

namespace cuddle {

namespace bench {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {
int64_t json_int(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (j.contains(k) && j[k].is_number_integer()) return j[k].get<int64_t>();
  return 0;
}
}  // namespace

// Multiply-adds of one sequence: every 2-D weight but the embedding tables runs once per
// token, except the pooler / classifier heads that read one token; a ViT's patch
// projection (a 4-D conv weight) runs once per patch; attention adds QK^T and PV
// (2 * S^2 * hidden per layer, times 2 for multiply-add).
double flops_per_sequence(PreTrainedModel& model, int64_t seq) {
  double flops = 0;
  for (const auto& slot : model.named_parameters()) {
    if (slot.name.find("patch_embeddings") != std::string::npos && slot.shape.size() == 4) {
      flops += 2.0 * double(shape_numel(slot.shape)) * double(seq - 1);
      continue;
    }
    if (slot.shape.size() != 2 || slot.name.find("embeddings") != std::string::npos) continue;
    const double numel = double(slot.shape[0]) * double(slot.shape[1]);
    const bool one_token = slot.name.find("pooler") != std::string::npos ||
                           slot.name.find("classifier") != std::string::npos;
    flops += 2.0 * numel * (one_token ? 1.0 : double(seq));
  }
  const auto& cfg = model.config().json();
  const double hidden = double(json_int(cfg, {"hidden_size", "dim"}));
  const double layers = double(json_int(cfg, {"num_hidden_layers", "n_layers"}));
  return flops + 4.0 * double(seq) * double(seq) * hidden * layers;
}

// Deterministic token ids spread over the vocabulary (no padding).
Tensor synthetic_ids(int64_t batch, int64_t seq, int64_t vocab) {
  Tensor ids = Tensor::empty({batch, seq}, DType::I64);
  int64_t* p = ids.data<int64_t>();
  for (int64_t i = 0; i < batch * seq; ++i) p[i] = (1000 + 7919 * i) % std::max<int64_t>(vocab, 1);
  return ids;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

}  // namespace bench

using namespace bench;

namespace {

// The first row of `t`, `batch` times: ids as i64, pixels as f32.
Tensor repeat_row(const Tensor& t, int64_t batch) {
  const DType dtype = t.dtype() == DType::F32 ? DType::F32 : DType::I64;
  Tensor row = t.select(0, 0).to(dtype).contiguous();
  Shape shape = row.shape();
  shape.insert(shape.begin(), batch);
  Tensor out = Tensor::empty(shape, dtype);
  const auto bytes = static_cast<size_t>(dtype_nbytes(dtype, row.numel()));
  for (int64_t b = 0; b < batch; ++b)
    std::memcpy(static_cast<char*>(out.raw_data()) + b * bytes, row.raw_data(), bytes);
  return out;
}

// An image model's sequence: its patches plus the class token.
int64_t vision_sequence(const nlohmann::json& cfg) {
  const int64_t image = json_int(cfg, {"image_size"}), patch = json_int(cfg, {"patch_size"});
  return patch > 0 ? (image / patch) * (image / patch) + 1 : 0;
}

// Deterministic pixel values in [-1, 1) for a [batch, channels, size, size] input.
Tensor synthetic_pixels(int64_t batch, const nlohmann::json& cfg) {
  const int64_t c = std::max<int64_t>(json_int(cfg, {"num_channels"}), 1), n = json_int(cfg, {"image_size"});
  Tensor t = Tensor::empty({batch, c, n, n});
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = float((i * 7919) % 2000) / 1000.0f - 1.0f;
  return t;
}

}  // namespace

ModelBenchResult bench_model(const std::string& dir, const ModelBenchOptions& opt) {
  ModelBenchResult r;
  r.threads = num_threads();
  r.gemm_isa = kernels::gemm_isa_name(kernels::GemmIsa::Best);
  // Before the model is loaded, so its buffers do not add to the model's peak RSS.
  if (opt.measure_peak) {
    r.peak_gflops = kernels::measure_sgemm_peak_gflops();
    r.fma_peak_gflops = kernels::measure_fma_peak_gflops();
  }

  const double t0 = now_ms();
  std::unique_ptr<PreTrainedModel> model = opt.load ? opt.load(dir) : load_model_from_architectures(dir);
  r.load_ms = now_ms() - t0;
  r.model_class = model->class_name();
  std::map<std::string, const nn::QuantizedLinear*> quantized;
  for (const models::QuantizableLayer& l : models::quantizable_layers(*model))
    if (*l.quantized) quantized[l.name + ".weight"] = l.quantized->get();
  for (const auto& slot : model->named_parameters()) {
    r.weights_mb += double(shape_numel(slot.shape)) * 4.0 / (1024.0 * 1024.0);
    const auto q = quantized.find(slot.name);
    const double bytes = q != quantized.end() ? double(q->second->resident_bytes())
                                              : slot.tensor->defined() ? double(slot.tensor->nbytes()) : 0.0;
    r.stored_weights_mb += bytes / (1024.0 * 1024.0);
  }
  // Image models run on their configured image size; their sequence is the patch count.
  const int64_t vision_seq = vision_sequence(model->config().json());
  r.gflop_per_sequence = flops_per_sequence(*model, vision_seq > 0 ? vision_seq : opt.seq) / 1e9;

  // The first forward pass after loading also faults in the mapped weights: reported on its
  // own, as the latency of a freshly started process.
  auto forward = [&](const ModelInputs& in) {
    const double s = now_ms();
    ModelOutputs out = model->forward(in, false);
    if (r.first_forward_ms == 0) r.first_forward_ms = now_ms() - s;
    return out;
  };
  ModelInputs timed_row;
  if (!opt.check_reference.empty()) {
    SafetensorsFile ref = SafetensorsFile::open(opt.check_reference);
    ModelInputs in;
    if (ref.contains("pixel_values")) in.pixel_values = ref.tensor("pixel_values");
    if (ref.contains("input_ids")) in.input_ids = ref.tensor("input_ids");
    if (ref.contains("attention_mask")) in.attention_mask = ref.tensor("attention_mask");
    if (ref.contains("token_type_ids")) in.token_type_ids = ref.tensor("token_type_ids");
    ModelOutputs out = forward(in);
    std::vector<float> got = out.get("logits").to_float_vector();
    std::vector<float> want = ref.tensor("logits").to_float_vector();
    if (got.size() != want.size())
      throw ShapeError(opt.check_reference + ": logits have " + std::to_string(want.size()) +
                       " values, the model gave " + std::to_string(got.size()));
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::abs(got[i] - want[i])));
    r.check_max_abs_diff = worst;
    if (in.pixel_values.defined() || in.input_ids.size(1) == opt.seq) timed_row = in;
  }

  const int64_t vocab = json_int(model->config().json(), {"vocab_size"});
  for (int64_t batch : opt.batches) {
    ModelInputs in;
    if (timed_row.pixel_values.defined()) {
      in.pixel_values = repeat_row(timed_row.pixel_values, batch);
    } else if (vision_seq > 0) {
      in.pixel_values = synthetic_pixels(batch, model->config().json());
    } else if (timed_row.input_ids.defined()) {
      in.input_ids = repeat_row(timed_row.input_ids, batch);
      if (timed_row.attention_mask.defined()) in.attention_mask = repeat_row(timed_row.attention_mask, batch);
      if (timed_row.token_type_ids.defined()) in.token_type_ids = repeat_row(timed_row.token_type_ids, batch);
    } else {
      in.input_ids = synthetic_ids(batch, opt.seq, vocab);
    }
    forward(in);  // warm-up
    const int reps = opt.reps > 0 ? opt.reps : (batch == 1 ? 15 : 4);
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) {
      const double s = now_ms();
      model->forward(in, false);
      ms.push_back(now_ms() - s);
    }
    std::sort(ms.begin(), ms.end());
    BatchTiming bt;
    bt.batch = batch;
    bt.reps = reps;
    bt.median_ms = ms[ms.size() / 2];
    bt.min_ms = ms.front();
    bt.gflops = r.gflop_per_sequence * double(batch) / (bt.median_ms / 1e3);
    r.results.push_back(bt);
  }
  r.peak_rss_mb = peak_rss_mb();
  return r;
}

}  // namespace cuddle
