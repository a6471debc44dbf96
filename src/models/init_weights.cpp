// Fresh parameters for what a checkpoint does not provide (a new task head, or a whole
// model trained from its config), following the rules of transformers' _init_weights:
// normalisation weights 1, biases and running means 0, running variances 1, convolution
// kernels of ResNet kaiming-normal (fan_out, ReLU gain), every other weight normal with
// std config.initializer_range (0.02 when absent; GPT-2's residual projections c_proj
// scaled by 1 / sqrt(2 n_layer)), an embedding's padding row 0, tied parameters one
// tensor (an LM head tied to the embeddings trains as one parameter). The
// normal draws come from cuddle's seeded counter-based generator (cuddle/random.h), not
// torch's, so they match torch in distribution, not value.
#include <cmath>
#include <map>

#include "cuddle/models.h"
#include "cuddle/random.h"
#include <nlohmann/json.hpp>

namespace cuddle {

namespace {

bool is_norm_weight(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.ends_with(".gamma")) return true;
  if (!lower.ends_with(".weight")) return false;
  const std::string owner = lower.substr(0, lower.size() - 7);
  const std::string last = owner.substr(owner.rfind('.') + 1);
  return last.find("norm") != std::string::npos || last.starts_with("ln_") || last == "ln_f" ||
         owner.ends_with("normalization");
}

void fill_normal(Tensor& t, double std_dev) {
  const uint64_t stream = next_random_stream();
  float* p = t.data<float>();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    // Box-Muller; u1 kept away from 0 so the log is finite.
    const double u1 = uniform_at(stream, 2 * uint64_t(i)) + 0x1p-25;
    const double u2 = uniform_at(stream, 2 * uint64_t(i) + 1);
    p[i] = static_cast<float>(std_dev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
  }
}

}  // namespace

void init_weights(PreTrainedModel& model, const std::set<std::string>& keys) {
  const auto& cfg = model.config().json();
  const double range = cfg.value("initializer_range", 0.02);
  const bool kaiming_convs = model.config().model_type == "resnet";
  const std::optional<int64_t> pad = model.config().pad_token_id;
  const bool gpt2 = model.config().model_type == "gpt2";
  const double residual_range = range / std::sqrt(2.0 * double(cfg.value("n_layer", 1)));
  std::map<std::string, Tensor*> by_name;
  for (auto& slot : model.named_parameters()) by_name[slot.name] = slot.tensor;
  for (auto& slot : model.named_parameters()) {
    if (!keys.empty() && !keys.count(slot.name)) continue;
    if (model.tied().count(slot.name)) continue;  // shares its source's tensor (below)
    Tensor t = Tensor::zeros(slot.shape);
    const std::string& n = slot.name;
    if (is_norm_weight(n) || n.ends_with("running_var")) {
      t = Tensor::full(slot.shape, 1.0f);
    } else if (n.ends_with("bias") || n.ends_with(".beta") || n.ends_with("running_mean")) {
      // zeros
    } else if (kaiming_convs && slot.shape.size() == 4) {
      const double fan_out = double(slot.shape[0]) * double(slot.shape[2]) * double(slot.shape[3]);
      fill_normal(t, std::sqrt(2.0 / fan_out));
    } else {
      fill_normal(t, gpt2 && n.ends_with("c_proj.weight") ? residual_range : range);
      const bool padded_table = n.ends_with("word_embeddings.weight") || n.ends_with("embed_tokens.weight");
      if (pad && padded_table && slot.shape.size() == 2 && *pad >= 0 &&
          *pad < slot.shape[0]) {
        float* row = t.data<float>() + *pad * slot.shape[1];
        std::fill(row, row + slot.shape[1], 0.0f);
      }
    }
    *slot.tensor = t;
  }
  for (const auto& [key, source] : model.tied())
    if ((keys.empty() || keys.count(key)) && by_name.count(key) && by_name.count(source))
      *by_name[key] = *by_name[source];
}

}  // namespace cuddle
