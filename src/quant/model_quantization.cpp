// Which Linear layers of a model are quantized (transformers' rule), quantizing them in
// place, installing the quantized weights of a checkpoint, and the state dict to save.
#include <algorithm>
#include <regex>

#include "cuddle/error.h"
#include "cuddle/quant.h"
#include "models/quantizable_layers.h"

namespace cuddle::quant {

namespace {

std::string without_weight_suffix(const std::string& key) {
  return key.ends_with(".weight") ? key.substr(0, key.size() - 7) : key;
}

using models::QuantizableLayer;

void install(const QuantizableLayer& layer, std::shared_ptr<const nn::QuantizedLinear> q) {
  *layer.weight = q->stored_weight();
  *layer.quantized = std::move(q);
}

// The [out, in] weight bitsandbytes quantizes (a Conv1D's transposed, as transformers'
// integration transposes it while loading).
Tensor linear_weight(const QuantizableLayer& layer) {
  return layer.transposed ? layer.weight->transpose(0, 1).contiguous() : *layer.weight;
}

// The checkpoint's module path `ckpt` names the model's `model` path as transformers'
// base-prefix handling maps them: equal, or one of them with a leading component more.
bool same_module(const std::string& model, const std::string& ckpt) {
  return model == ckpt || model.ends_with("." + ckpt) || ckpt.ends_with("." + model);
}

}  // namespace

bool should_convert_module(const std::string& name, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (name.ends_with(p)) return false;
    // re.match: the pattern as a regex anchored at the start of the name.
    try {
      if (std::regex_search(name, std::regex(p), std::regex_constants::match_continuous)) return false;
    } catch (const std::regex_error&) {
      throw Error("llm_int8_skip_modules: \"" + p + "\" is not a valid regular expression");
    }
  }
  return true;
}

std::vector<std::string> modules_not_to_convert(nn::Module& root, const BitsAndBytesConfig& config,
                                                const std::map<std::string, std::string>& tied) {
  if (config.llm_int8_skip_modules) return *config.llm_int8_skip_modules;
  std::set<std::string> keys;
  for (const auto& [target, source] : tied) {
    keys.insert(without_weight_suffix(target));
    keys.insert(without_weight_suffix(source));
  }
  const auto params = root.named_parameters();
  if (!params.empty()) keys.insert(without_weight_suffix(params.back().name));
  return {keys.begin(), keys.end()};
}

std::vector<std::string> quantize_linears(nn::Module& root, const BitsAndBytesConfig& config,
                                          const std::map<std::string, std::string>& tied) {
  config.validate();
  const auto skip = modules_not_to_convert(root, config, tied);
  std::vector<std::string> done;
  for (const QuantizableLayer& layer : models::quantizable_layers(root)) {
    if (*layer.quantized || !layer.weight->defined() || !should_convert_module(layer.name, skip)) continue;
    const Tensor w = linear_weight(layer);
    if (config.load_in_8bit)
      install(layer, make_quantized_linear(quantize_int8(w), config.llm_int8_threshold));
    else
      install(layer, make_quantized_linear(quantize_4bit(w, four_bit_type(config.bnb_4bit_quant_type, "BitsAndBytesConfig"),
                                                         config.bnb_4bit_use_double_quant)));
    done.push_back(layer.name);
  }
  // Parents that derived data from the f32 weights (fused projections) rebuild it.
  nn::visit_loaded(root);
  return done;
}

PreTrainedModel::Prefilled attach_prequantized(nn::Module& root, const SafetensorsCheckpoint& checkpoint,
                                               const BitsAndBytesConfig& config, const std::string& what) {
  // Module paths the checkpoint holds quantized weights for.
  std::set<std::string> quantized_paths;
  for (const auto& key : checkpoint.names()) {
    if (key.ends_with(".SCB")) quantized_paths.insert(key.substr(0, key.size() - 4));
    if (const auto at = key.find(".weight.quant_state.bitsandbytes__"); at != std::string::npos)
      quantized_paths.insert(key.substr(0, at));
  }
  const TensorLookup lookup = [&](const std::string& key) {
    return checkpoint.contains(key) ? checkpoint.tensor(key) : Tensor();
  };
  PreTrainedModel::Prefilled out;
  const auto layers = models::quantizable_layers(root);
  std::map<std::string, Shape> expected_shapes;
  for (const auto& slot : root.named_parameters()) expected_shapes[slot.name] = slot.shape;
  for (const auto& path : quantized_paths) {
    const QuantizableLayer* target = nullptr;
    // The exact path first; otherwise the one path that differs by the base prefix.
    for (const QuantizableLayer& layer : layers)
      if (layer.name == path || (!target && same_module(layer.name, path))) target = &layer;
    // A head this model lacks (a base model from a classifier checkpoint): its entries are
    // left to load_weights, which drops them as transformers does (or reports them).
    if (!target) continue;
    const std::string prefix = path + ".";
    std::shared_ptr<const nn::QuantizedLinear> q;
    Shape shape;
    if (checkpoint.contains(prefix + "SCB")) {
      Int8Weight w = read_int8_entries(prefix, lookup, what);
      shape = w.CB.shape();
      q = make_quantized_linear(std::move(w), config.llm_int8_threshold);
    } else {
      FourBitWeight w = read_4bit_entries(prefix, lookup, what);
      shape = w.shape;
      q = make_quantized_linear(std::move(w));
    }
    Shape expected = expected_shapes.at(target->name + ".weight");
    if (target->transposed) std::reverse(expected.begin(), expected.end());
    if (shape != expected)
      throw FormatError(what + ": quantized weight \"" + path + ".weight\" stands for a " + shape_str(shape) +
                        " weight, the model expects " + shape_str(expected));
    install(*target, std::move(q));
    for (const auto& key : checkpoint.names())
      if (key.starts_with(prefix + "weight") || key == prefix + "SCB") out.checkpoint_keys.insert(key);
    out.module_keys.insert(target->name + ".weight");
  }
  return out;
}

NamedTensors quantized_state_dict(nn::Module& root, const std::set<std::string>& skip) {
  std::map<std::string, const nn::QuantizedLinear*> quantized;  // weight key -> layer
  for (const QuantizableLayer& layer : models::quantizable_layers(root))
    if (*layer.quantized) quantized[layer.name + ".weight"] = layer.quantized->get();
  NamedTensors out;
  for (const auto& slot : root.named_parameters()) {
    if (skip.count(slot.name) || !slot.tensor->defined()) continue;
    const auto q = quantized.find(slot.name);
    if (q == quantized.end()) {
      out.emplace_back(slot.name, *slot.tensor);
      continue;
    }
    const std::string prefix = slot.name.substr(0, slot.name.size() - 6);  // "...dense."
    NamedTensors entries = int8_weight_of(*q->second) ? state_dict_entries(prefix, *int8_weight_of(*q->second))
                                                      : state_dict_entries(prefix, *four_bit_weight_of(*q->second));
    out.insert(out.end(), entries.begin(), entries.end());
  }
  return out;
}

}  // namespace cuddle::quant
