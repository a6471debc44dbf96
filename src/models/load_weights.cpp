// PreTrainedModel::load_weights: the key adaptations transformers' from_pretrained makes,
// in front of the strict nn::load_state_dict.
#include <functional>
#include <set>

#include "cuddle/models.h"

namespace cuddle {

namespace {
// TF-era checkpoints name LayerNorm parameters gamma / beta.
std::string modern_name(const std::string& key) {
  if (key.ends_with(".gamma")) return key.substr(0, key.size() - 6) + ".weight";
  if (key.ends_with(".beta")) return key.substr(0, key.size() - 5) + ".bias";
  return key;
}

bool any_starts_with(const std::vector<std::string>& keys, const std::string& prefix) {
  for (const auto& k : keys)
    if (k.starts_with(prefix)) return true;
  return false;
}
}  // namespace

// The checkpoint-key -> module-key mapping load_weights applies ("" = dropped).
std::function<std::string(const std::string&)> PreTrainedModel::key_adapter(const SafetensorsCheckpoint& checkpoint,
                                                                            const Prefilled& prefilled) {
  std::set<std::string> expected;
  std::vector<std::string> model_keys;
  for (const auto& slot : named_parameters()) {
    expected.insert(slot.name);
    model_keys.push_back(slot.name);
  }
  const std::string prefix = base_prefix_ + ".";
  const bool model_prefixed = any_starts_with(model_keys, prefix);
  const bool ckpt_prefixed = any_starts_with(checkpoint.names(), prefix);

  // Captures by value: the lambda outlives this call.
  auto rename = [=, this](const std::string& name) -> std::string {
    if (prefilled.checkpoint_keys.count(name)) return "";
    std::string key = modern_name(name);
    if (auto a = aliases_.find(key); a != aliases_.end()) key = a->second;
    // Older checkpoints saved the position_ids buffer; transformers ignores it.
    if (key.ends_with("embeddings.position_ids")) return "";
    // Batch norm's training counter; inference never reads it (transformers' frozen batch
    // norm drops it the same way).
    if (key.ends_with(".num_batches_tracked")) return "";
    for (const auto& suffix : ignored_key_suffixes_)
      if (key.ends_with(suffix)) return "";
    // A head model from a base checkpoint: the base keys gain the prefix.
    if (model_prefixed && !ckpt_prefixed && !expected.count(key) && expected.count(prefix + key))
      return prefix + key;
    // A base model from a head checkpoint: the prefix goes, the head's keys are dropped
    // (transformers does the same when AutoModel loads e.g. a classifier checkpoint).
    if (!model_prefixed && ckpt_prefixed)
      return key.starts_with(prefix) ? key.substr(prefix.size()) : std::string();
    if (!expected.count(key))
      for (const auto& other : other_head_prefixes_)
        if (key.starts_with(other) || (prefix + key).starts_with(other)) return std::string();
    return key;
  };
  return rename;
}

std::set<std::string> PreTrainedModel::keys_missing_from(const SafetensorsCheckpoint& checkpoint) {
  const auto rename = key_adapter(checkpoint, {});
  std::set<std::string> provided;
  for (const auto& name : checkpoint.names()) provided.insert(rename(name));
  std::set<std::string> missing;
  for (const auto& slot : named_parameters())
    if (!provided.count(slot.name) && !tied_.count(slot.name)) missing.insert(slot.name);
  return missing;
}

void PreTrainedModel::load_weights(const SafetensorsCheckpoint& checkpoint, const Prefilled& prefilled) {
  const auto rename = key_adapter(checkpoint, prefilled);
  std::set<std::string> provided;
  for (const auto& name : checkpoint.names()) provided.insert(rename(name));
  provided.insert(prefilled.module_keys.begin(), prefilled.module_keys.end());
  drop_absent_optional_parts(provided);

  nn::LoadOptions options;
  options.tied = tied_;
  options.rename = rename;
  options.filled_elsewhere = prefilled.module_keys;
  nn::load_state_dict(*this, checkpoint, options, class_name_);
}

}  // namespace cuddle
