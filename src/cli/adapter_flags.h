// `--adapter` for the commands that load a model (pipeline, forward): a PEFT adapter folder
// put on the model after loading. A --model folder holding adapter_config.json stands for
// its base model plus that adapter, as transformers' pipeline does when peft is installed.
#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "cuddle/peft.h"

namespace cuddle::cli {

struct AdapterFlags {
  std::string adapter;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--adapter", adapter, "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) "
                                         "to apply to the model");
  }
  // Turns `model` into the base to load when it is an adapter folder (then remembered as
  // the adapter); an explicit --adapter keeps --model as the base.
  void resolve(std::string& model) {
    std::error_code ec;
    if (!adapter.empty() || !std::filesystem::is_directory(model, ec) || !peft::is_adapter_dir(model)) return;
    adapter = model;
    model = peft::adapter_base_dir(model);
  }
  // Puts the adapter (if any) on a freshly loaded model.
  template <class ModelPtr>
  ModelPtr apply(ModelPtr model) const {
    if (!adapter.empty()) peft::apply_adapter(*model, adapter);
    return model;
  }
};

}  // namespace cuddle::cli
