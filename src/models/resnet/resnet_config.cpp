#include "models/resnet/resnet_config.h"

#include <algorithm>

#include "cuddle/error.h"

namespace cuddle::models {

namespace {
std::vector<int64_t> positive_list(const ConfigReader& r, const char* key,
                                   const std::vector<int64_t>& def) {
  const auto& j = r.json();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_array() || it->empty()) r.fail(key, "a non-empty list of positive integers");
  std::vector<int64_t> out;
  for (const auto& v : *it) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
      r.fail(key, "a non-empty list of positive integers");
    out.push_back(v.get<int64_t>());
  }
  return out;
}

// transformers' get_aligned_output_features_output_indices: out_features name stages,
// out_indices index stage_names (negative from the end); either gives the other; neither
// means the last stage.
std::vector<int64_t> out_indices(const ConfigReader& r, const std::vector<std::string>& stages) {
  const auto& j = r.json();
  const int64_t n = static_cast<int64_t>(stages.size());
  std::vector<int64_t> from_indices, from_features;
  bool has_indices = false, has_features = false;
  if (auto it = j.find("out_indices"); it != j.end() && !it->is_null()) {
    has_indices = true;
    if (!it->is_array()) r.fail("out_indices", "a list of stage indices");
    for (const auto& v : *it) {
      if (!v.is_number_integer() || v.get<int64_t>() >= n || v.get<int64_t>() < -n)
        r.fail("out_indices", "a list of indices into " + std::to_string(n) + " stage names");
      const int64_t i = v.get<int64_t>();
      from_indices.push_back(i < 0 ? i + n : i);
    }
  }
  if (auto it = j.find("out_features"); it != j.end() && !it->is_null()) {
    has_features = true;
    if (!it->is_array()) r.fail("out_features", "a list of stage names");
    for (const auto& v : *it) {
      auto pos = v.is_string() ? std::find(stages.begin(), stages.end(), v.get<std::string>())
                               : stages.end();
      if (pos == stages.end())
        r.fail("out_features", "a list of stage names (stem, stage1 .. stage" +
                                   std::to_string(n - 1) + ")");
      from_features.push_back(pos - stages.begin());
    }
  }
  if (has_indices && has_features && from_indices != from_features)
    r.fail("out_indices", "the indices of out_features");
  if (has_features) return from_features;
  if (has_indices) return from_indices;
  return {n - 1};
}
}  // namespace

std::shared_ptr<ResNetConfig> read_resnet_config(const ConfigReader& r) {
  auto c = std::make_shared<ResNetConfig>();
  c->num_channels = r.integer("num_channels", c->num_channels);
  c->embedding_size = r.integer("embedding_size", c->embedding_size);
  c->hidden_sizes = positive_list(r, "hidden_sizes", c->hidden_sizes);
  c->depths = positive_list(r, "depths", c->depths);
  if (c->hidden_sizes.size() != c->depths.size())
    r.fail("hidden_sizes", "one size per stage (depths has " + std::to_string(c->depths.size()) +
                               " stages)");
  const std::string layer_type = r.string("layer_type", "bottleneck");
  if (layer_type != "bottleneck" && layer_type != "basic")
    r.fail("layer_type", "\"basic\" or \"bottleneck\"");
  c->bottleneck = layer_type == "bottleneck";
  c->hidden_act = r.string("hidden_act", c->hidden_act);
  c->activation = r.activation("hidden_act", c->hidden_act);
  c->downsample_in_first_stage = r.boolean("downsample_in_first_stage", false);
  c->downsample_in_bottleneck = r.boolean("downsample_in_bottleneck", false);
  for (const char* key : {"num_channels", "embedding_size"})
    if (r.integer(key, 1) < 1) r.fail(key, "a positive integer");
  if (c->bottleneck)
    for (int64_t h : c->hidden_sizes)
      if (h < 4) r.fail("hidden_sizes", "sizes of at least 4 (a bottleneck reduces them by 4)");
  c->stage_names = {"stem"};
  for (size_t i = 1; i <= c->depths.size(); ++i) c->stage_names.push_back("stage" + std::to_string(i));
  c->out_indices = out_indices(r, c->stage_names);
  return c;
}

}  // namespace cuddle::models
