#include "cuddle/nn.h"

namespace cuddle::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor& tensor, Shape shape) {
  params_.push_back({name, std::move(shape), &tensor});
  return tensor;
}

void Module::register_module(const std::string& name, Module& child) {
  children_.emplace_back(name, &child);
}

void Module::unregister_module(const std::string& name) {
  std::erase_if(children_, [&](const auto& c) { return c.first == name; });
}

void Module::collect(const std::string& prefix, std::vector<Slot>& out) {
  for (const auto& p : params_) out.push_back({prefix + p.name, p.shape, p.tensor});
  // An empty name mounts the child at this module's own level (a base model wrapped as
  // the top-level model keeps its unprefixed keys).
  for (const auto& [name, child] : children_)
    child->collect(name.empty() ? prefix : prefix + name + ".", out);
}

std::vector<Module::Slot> Module::named_parameters() {
  std::vector<Slot> out;
  collect("", out);
  return out;
}

void Module::collect_modules(const std::string& path, std::vector<std::pair<std::string, Module*>>& out) {
  out.emplace_back(path, this);
  for (const auto& [name, child] : children_)
    child->collect_modules(name.empty() ? path : path.empty() ? name : path + "." + name, out);
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  collect_modules("", out);
  return out;
}

}  // namespace cuddle::nn
