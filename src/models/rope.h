// Rotary position embedding frequencies for every rope type transformers supports
// (modeling_rope_utils.py): default, linear, dynamic (NTK), llama3, yarn, longrope. Read
// from config.json's `rope_parameters` (transformers 5) or the older `rope_theta` +
// `rope_scaling` (type / rope_type).
#pragma once
#include <string>
#include <vector>

#include "cuddle/tensor.h"
#include "models/config_json.h"

namespace cuddle::models {

struct RopeParameters {
  std::string type = "default";
  double theta = 10000.0;
  double factor = 1.0;
  double partial_rotary_factor = 1.0;
  int64_t original_max_position_embeddings = 0;  // 0: max_position_embeddings
  bool has_original_max = false;                  // given in the rope parameters
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  double beta_fast = 32.0, beta_slow = 1.0;              // yarn
  double mscale = 0.0, mscale_all_dim = 0.0;             // yarn (0: absent)
  bool truncate = true;                                  // yarn
  double attention_factor = 0.0;                         // 0: derived from the type
  std::vector<double> short_factor, long_factor;         // longrope
};

// Reads the rope parameters; an unknown type or a missing required field is a FormatError
// naming the file and key. `max_position_embeddings` fills the original context length.
// Phi-3 keeps original_max_position_embeddings at the top level of the config; it is read
// from there too.
RopeParameters read_rope_parameters(const ConfigReader& r, int64_t max_position_embeddings);

// Computes cos / sin [B, S, rotary_dim] for position_ids [B, S] (i64).
class RotaryEmbedding {
 public:
  RotaryEmbedding() = default;
  RotaryEmbedding(const RopeParameters& p, int64_t head_dim, int64_t max_position_embeddings);
  int64_t rotary_dim() const { return dim_; }
  // cos, sin, each [B, S, rotary_dim], scaled by the type's attention factor.
  std::pair<Tensor, Tensor> cos_sin(const Tensor& position_ids) const;

 private:
  std::vector<float> inv_freq_for(int64_t seq_len) const;  // dynamic / longrope depend on it
  RopeParameters p_;
  int64_t dim_ = 0, max_positions_ = 0, original_max_ = 0;
  std::vector<float> inv_freq_;  // for sequences within the original context
  float attention_scaling_ = 1.0f;
};

}  // namespace cuddle::models
