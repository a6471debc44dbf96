#include "models/rope.h"

#include <algorithm>
#include <cmath>

#include "cuddle/error.h"

namespace cuddle::models {

namespace {
const char* kTypes = "default, linear, dynamic, llama3, yarn, longrope";

double number_of(const ConfigReader& r, const nlohmann::json& o, const char* key, double def) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return def;
  if (!it->is_number()) r.fail(key, "a number (in the rope parameters)");
  return it->get<double>();
}

std::vector<double> list_of(const ConfigReader& r, const nlohmann::json& o, const char* key) {
  std::vector<double> out;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return out;
  if (!it->is_array()) r.fail(key, "a list of numbers (in the rope parameters)");
  for (const auto& v : *it) {
    if (!v.is_number()) r.fail(key, "a list of numbers (in the rope parameters)");
    out.push_back(v.get<double>());
  }
  return out;
}

float yarn_mscale(double scale, double mscale) {
  return scale <= 1.0 ? 1.0f : float(0.1 * mscale * std::log(scale) + 1.0);
}

// Powers base^(2i/dim) in float32, as transformers computes them.
std::vector<float> default_inv_freq(double base, int64_t dim) {
  std::vector<float> out;
  for (int64_t i = 0; i < dim; i += 2)
    out.push_back(1.0f / std::pow(float(base), float(i) / float(dim)));
  return out;
}
}  // namespace

RopeParameters read_rope_parameters(const ConfigReader& r, int64_t max_position_embeddings) {
  RopeParameters p;
  const auto& j = r.json();
  p.theta = r.number("rope_theta", p.theta);
  p.partial_rotary_factor = r.number("partial_rotary_factor", 1.0);
  const nlohmann::json* o = nullptr;
  for (const char* key : {"rope_parameters", "rope_scaling"})
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_object()) r.fail(key, "an object with rope_type and its parameters");
      o = &*it;
      break;
    }
  if (o) {
    for (const char* key : {"rope_type", "type"})
      if (auto it = o->find(key); it != o->end() && it->is_string()) {
        p.type = it->get<std::string>();
        break;
      }
    p.theta = number_of(r, *o, "rope_theta", p.theta);
    p.partial_rotary_factor = number_of(r, *o, "partial_rotary_factor", p.partial_rotary_factor);
    p.factor = number_of(r, *o, "factor", 1.0);
    p.low_freq_factor = number_of(r, *o, "low_freq_factor", p.low_freq_factor);
    p.high_freq_factor = number_of(r, *o, "high_freq_factor", p.high_freq_factor);
    p.beta_fast = number_of(r, *o, "beta_fast", p.beta_fast);
    p.beta_slow = number_of(r, *o, "beta_slow", p.beta_slow);
    p.mscale = number_of(r, *o, "mscale", 0.0);
    p.mscale_all_dim = number_of(r, *o, "mscale_all_dim", 0.0);
    p.attention_factor = number_of(r, *o, "attention_factor", 0.0);
    if (auto it = o->find("truncate"); it != o->end() && it->is_boolean()) p.truncate = it->get<bool>();
    const double orig = number_of(r, *o, "original_max_position_embeddings", 0.0);
    if (orig > 0) {
      p.original_max_position_embeddings = int64_t(orig);
      p.has_original_max = true;
    }
    p.short_factor = list_of(r, *o, "short_factor");
    p.long_factor = list_of(r, *o, "long_factor");
  }
  if (!p.has_original_max) {
    const int64_t top = r.integer("original_max_position_embeddings", 0);
    if (top > 0) {
      p.original_max_position_embeddings = top;
      p.has_original_max = true;
    } else {
      p.original_max_position_embeddings = max_position_embeddings;
    }
  }
  const std::string key = j.contains("rope_parameters") ? "rope_parameters" : "rope_scaling";
  auto need = [&](bool ok, const std::string& what) {
    if (!ok)
      throw FormatError(r.path() + ": \"" + key + "\" of type \"" + p.type + "\" needs " + what);
  };
  if (p.type == "default") {
  } else if (p.type == "linear" || p.type == "dynamic") {
    need(p.factor > 0, "a positive factor");
  } else if (p.type == "llama3") {
    need(p.factor > 0 && p.high_freq_factor != p.low_freq_factor,
         "factor, low_freq_factor, high_freq_factor and original_max_position_embeddings");
  } else if (p.type == "yarn") {
    need(p.factor > 0, "a positive factor");
  } else if (p.type == "longrope") {
    need(!p.short_factor.empty() && p.short_factor.size() == p.long_factor.size(),
         "short_factor and long_factor lists of equal length");
  } else {
    throw FormatError(r.path() + ": \"" + key + "\" has rope_type \"" + p.type +
                      "\", which is not supported (supported: " + kTypes + ")");
  }
  if (p.theta <= 0) r.fail("rope_theta", "a positive number");
  return p;
}

RotaryEmbedding::RotaryEmbedding(const RopeParameters& p, int64_t head_dim,
                                 int64_t max_position_embeddings)
    : p_(p), dim_(int64_t(double(head_dim) * p.partial_rotary_factor)),
      max_positions_(max_position_embeddings), original_max_(p.original_max_position_embeddings) {
  if (dim_ % 2 != 0 || dim_ <= 0)
    throw FormatError("rotary dimension " + std::to_string(dim_) + " (head_dim " +
                      std::to_string(head_dim) + " x partial_rotary_factor) must be even");
  if (p.type == "longrope" && int64_t(p.short_factor.size()) != dim_ / 2)
    throw FormatError("longrope short_factor / long_factor have " +
                      std::to_string(p.short_factor.size()) + " entries, expected " +
                      std::to_string(dim_ / 2) + " (rotary dimension / 2)");
  inv_freq_ = default_inv_freq(p.theta, dim_);
  if (p.type == "linear") {
    for (auto& f : inv_freq_) f = f / float(p.factor);
  } else if (p.type == "llama3") {
    const double old_len = double(original_max_);
    const double low_wavelen = old_len / p.low_freq_factor, high_wavelen = old_len / p.high_freq_factor;
    for (auto& f : inv_freq_) {
      const double wavelen = 2.0 * M_PI / double(f);
      float scaled = wavelen > low_wavelen ? f / float(p.factor) : f;
      if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {
        const float smooth = float((old_len / wavelen - p.low_freq_factor) /
                                   (p.high_freq_factor - p.low_freq_factor));
        scaled = (1.0f - smooth) * scaled / float(p.factor) + smooth * scaled;
      }
      f = scaled;
    }
  } else if (p.type == "yarn") {
    double factor = p.factor;
    // Models whose max_position_embeddings was raised keep the pretrained length in
    // original_max_position_embeddings; the ratio is the scaling factor (DeepSeek-V3).
    if (p.has_original_max) factor = double(max_position_embeddings) / double(original_max_);
    if (p.attention_factor > 0) {
      attention_scaling_ = float(p.attention_factor);
    } else if (p.mscale > 0 && p.mscale_all_dim > 0) {
      attention_scaling_ = yarn_mscale(factor, p.mscale) / yarn_mscale(factor, p.mscale_all_dim);
    } else {
      attention_scaling_ = yarn_mscale(factor, 1.0);
    }
    auto correction_dim = [&](double rotations) {
      return double(dim_) * std::log(double(original_max_) / (rotations * 2.0 * M_PI)) /
             (2.0 * std::log(p.theta));
    };
    double low = correction_dim(p.beta_fast), high = correction_dim(p.beta_slow);
    if (p.truncate) {
      low = std::floor(low);
      high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, double(dim_ - 1));
    if (low == high) high += 0.001;
    for (int64_t i = 0; i < dim_ / 2; ++i) {
      const float pos_freq = std::pow(float(p.theta), float(2 * i) / float(dim_));
      const float extrapolation = 1.0f / pos_freq, interpolation = 1.0f / (float(factor) * pos_freq);
      const float ramp = std::clamp(float((double(i) - low) / (high - low)), 0.0f, 1.0f);
      const float keep = 1.0f - ramp;  // share of the unscaled (extrapolated) frequency
      inv_freq_[i] = interpolation * (1.0f - keep) + extrapolation * keep;
    }
  } else if (p.type == "longrope") {
    double factor = p.factor;
    if (p.has_original_max) factor = double(max_position_embeddings) / double(original_max_);
    attention_scaling_ =
        p.attention_factor > 0 ? float(p.attention_factor)
        : factor <= 1.0        ? 1.0f
                               : float(std::sqrt(1.0 + std::log(factor) / std::log(double(original_max_))));
    inv_freq_ = inv_freq_for(0);
  }
}

std::vector<float> RotaryEmbedding::inv_freq_for(int64_t seq_len) const {
  if (p_.type == "dynamic" && seq_len > original_max_) {
    const double base = p_.theta * std::pow(p_.factor * double(seq_len) / double(original_max_) -
                                                (p_.factor - 1.0),
                                            double(dim_) / double(dim_ - 2));
    return default_inv_freq(base, dim_);
  }
  if (p_.type == "longrope") {
    const auto& ext = seq_len > original_max_ ? p_.long_factor : p_.short_factor;
    std::vector<float> out;
    for (int64_t i = 0; i < dim_ / 2; ++i)
      out.push_back(1.0f / (float(ext[i]) * std::pow(float(p_.theta), float(2 * i) / float(dim_))));
    return out;
  }
  return inv_freq_;
}

std::pair<Tensor, Tensor> RotaryEmbedding::cos_sin(const Tensor& position_ids) const {
  const int64_t B = position_ids.size(0), S = position_ids.size(1);
  const int64_t* pos = position_ids.data<int64_t>();
  int64_t seq_len = 0;
  for (int64_t i = 0; i < B * S; ++i) seq_len = std::max(seq_len, pos[i] + 1);
  const std::vector<float> inv = inv_freq_for(seq_len);
  Tensor cos = Tensor::empty({B, S, dim_}), sin = Tensor::empty({B, S, dim_});
  float* pc = cos.data<float>();
  float* ps = sin.data<float>();
  const int64_t half = dim_ / 2;
  for (int64_t t = 0; t < B * S; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      // freqs = position x inv_freq in float32, then cos / sin of the float angle (torch).
      const float angle = float(pos[t]) * inv[i];
      const float c = std::cos(angle) * attention_scaling_, s = std::sin(angle) * attention_scaling_;
      pc[t * dim_ + i] = pc[t * dim_ + i + half] = c;
      ps[t * dim_ + i] = ps[t * dim_ + i + half] = s;
    }
  }
  return {cos, sin};
}

}  // namespace cuddle::models
