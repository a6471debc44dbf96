#include <nlohmann/json.hpp>

#include "cuddle/optim.h"

namespace cuddle::training {

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  for (const auto& g : groups_)
    for (const auto& p : g.params)
      if (!p.tensor.defined() || p.tensor.dtype() != DType::F32 || !p.tensor.is_contiguous())
        throw Error("optimizer: parameter " + p.name + " must be a contiguous F32 tensor (call make_trainable), got " +
                    (p.tensor.defined() ? p.tensor.describe() : "nothing"));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_)
    for (auto& p : g.params) {
      if (set_to_none || !p.tensor.grad().defined()) {
        p.tensor.set_grad(Tensor());
        continue;
      }
      p.tensor.set_grad(Tensor::zeros(p.tensor.shape()));
    }
}

Tensor& Optimizer::buffer(const std::string& param, const std::string& name) {
  Tensor& t = state_[param][name];
  return t;
}

bool Optimizer::has_buffers(const std::string& param) const { return state_.count(param) > 0; }

void Optimizer::save(const std::string& path) const {
  NamedTensors tensors;
  nlohmann::json j;
  j["kind"] = kind();
  j["steps"] = steps_;
  j["groups"] = nlohmann::json::array();
  for (const auto& g : groups_) {
    nlohmann::json jg{{"lr", g.lr}, {"weight_decay", g.weight_decay}, {"initial_lr", g.initial_lr}};
    jg["params"] = nlohmann::json::array();
    for (const auto& p : g.params) {
      jg["params"].push_back({{"name", p.name}, {"shape", p.tensor.shape()}});
      if (auto it = state_.find(p.name); it != state_.end())
        for (const auto& [buf, t] : it->second) tensors.emplace_back("state." + p.name + "." + buf, t);
    }
    j["groups"].push_back(jg);
  }
  save_safetensors(path, tensors, {{"optimizer", j.dump()}});
}

void Optimizer::load(const std::string& path) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  auto meta = file.metadata().find("optimizer");
  if (meta == file.metadata().end())
    throw FormatError(path + ": no \"optimizer\" metadata (not an optimizer state written by cuddle)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(meta->second);
  } catch (const std::exception& e) {
    throw FormatError(path + ": optimizer metadata is not JSON: " + e.what());
  }
  if (j.value("kind", "") != kind())
    throw FormatError(path + ": holds " + j.value("kind", std::string("?")) + " state, this optimizer is " + kind());
  const auto& jgroups = j.at("groups");
  if (jgroups.size() != groups_.size())
    throw FormatError(path + ": " + std::to_string(jgroups.size()) + " parameter groups, the optimizer has " +
                      std::to_string(groups_.size()));
  std::map<std::string, std::map<std::string, Tensor>> state;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const auto& jg = jgroups[gi];
    auto& g = groups_[gi];
    if (jg.at("params").size() != g.params.size())
      throw FormatError(path + ": group " + std::to_string(gi) + " has " + std::to_string(jg.at("params").size()) +
                        " parameters, the optimizer's has " + std::to_string(g.params.size()));
    for (size_t pi = 0; pi < g.params.size(); ++pi) {
      const auto& jp = jg["params"][pi];
      const auto& p = g.params[pi];
      if (jp.at("name") != p.name || jp.at("shape").get<Shape>() != p.tensor.shape())
        throw FormatError(path + ": parameter " + std::to_string(pi) + " of group " + std::to_string(gi) + " is " +
                          jp.at("name").get<std::string>() + shape_str(jp.at("shape").get<Shape>()) +
                          ", the optimizer's is " + p.name + shape_str(p.tensor.shape()));
      for (const auto& buf : buffer_names()) {
        const std::string key = "state." + p.name + "." + buf;
        if (!file.contains(key)) continue;
        Tensor t = file.tensor(key);
        if (t.shape() != p.tensor.shape() || t.dtype() != DType::F32)
          throw FormatError(path + ": " + key + " is " + t.describe() + ", expected F32" + shape_str(p.tensor.shape()));
        state[p.name][buf] = t.clone();  // owned: the file's mapping is read-only
      }
    }
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].lr = jgroups[gi].at("lr");
    groups_[gi].weight_decay = jgroups[gi].at("weight_decay");
    groups_[gi].initial_lr = jgroups[gi].at("initial_lr");
  }
  steps_ = j.at("steps");
  state_ = std::move(state);
}

}  // namespace cuddle::training
