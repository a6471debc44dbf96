#include <cstdint>

#include "cuddle/nn.h"

namespace cuddle::nn {

namespace {

std::string files_of(const SafetensorsCheckpoint& ckpt) {
  std::string s;
  for (const auto& f : ckpt.files()) s += (s.empty() ? "" : ", ") + f.path();
  return s.empty() ? "<empty checkpoint>" : s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// f32 weights stay zero-copy views of the mapping when aligned; everything else floating
// is converted (once, here) so ops never convert weights per call.
Tensor as_f32(const Tensor& t) {
  const bool aligned = reinterpret_cast<uintptr_t>(t.raw_data()) % alignof(float) == 0;
  if (t.dtype() == DType::F32 && aligned) return t;
  return t.dtype() == DType::F32 ? t.clone() : t.to(DType::F32);
}

}  // namespace

void visit_loaded(Module& m) {
  for (auto& [name, child] : m.children_) visit_loaded(*child);
  m.on_loaded();
}

LoadReport load_state_dict(Module& module, const SafetensorsCheckpoint& ckpt,
                           const LoadOptions& options, const std::string& what) {
  auto slots = module.named_parameters();
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < slots.size(); ++i) by_key[slots[i].name] = i;

  LoadReport report;
  std::vector<std::string> misshaped;
  std::map<size_t, std::string> source;  // slot -> checkpoint key
  for (const auto& name : ckpt.names()) {
    const std::string key = options.rename ? options.rename(name) : name;
    if (key.empty()) continue;
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      report.unexpected.push_back(name);
      continue;
    }
    // A tied parameter takes its source's tensor whatever the checkpoint holds (as
    // transformers' tie_weights); an alias of an already-filled key adds nothing.
    if (options.tied.count(key) || source.count(it->second)) continue;
    const auto& entry = ckpt.entry(name);
    const Module::Slot& slot = slots[it->second];
    if (entry.shape != slot.shape) {
      misshaped.push_back(name + " (checkpoint " + shape_str(entry.shape) + ", model expects " +
                          shape_str(slot.shape) + ")");
    } else if (!dtype_is_floating(entry.dtype) || !dtype_computable(entry.dtype)) {
      misshaped.push_back(name + " (dtype " + std::string(dtype_name(entry.dtype)) +
                          ", model expects a floating type)");
    }
    source[it->second] = name;
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    const auto tie = options.tied.find(slots[i].name);
    const bool tied_ok = tie != options.tied.end() && by_key.count(tie->second) &&
                         source.count(by_key[tie->second]);
    if (!source.count(i) && !tied_ok && !options.filled_elsewhere.count(slots[i].name))
      report.missing.push_back(slots[i].name);
  }

  const bool fatal = !misshaped.empty() ||
                     (options.strict && (!report.missing.empty() || !report.unexpected.empty()));
  if (fatal) {
    std::string msg = files_of(ckpt) + ": cannot load the weights of " + what + ":";
    if (options.strict && !report.missing.empty())
      msg += " missing keys: " + join(report.missing) + ";";
    if (options.strict && !report.unexpected.empty())
      msg += " unexpected keys: " + join(report.unexpected) + ";";
    if (!misshaped.empty()) msg += " mis-shaped keys: " + join(misshaped) + ";";
    msg.pop_back();
    throw FormatError(msg);
  }

  for (const auto& [i, name] : source) *slots[i].tensor = as_f32(ckpt.tensor(name));
  for (const auto& [target, src] : options.tied) {
    auto t = by_key.find(target), s = by_key.find(src);
    if (t != by_key.end() && s != by_key.end() && slots[s->second].tensor->defined())
      *slots[t->second].tensor = *slots[s->second].tensor;
  }
  visit_loaded(module);
  return report;
}

}  // namespace cuddle::nn
