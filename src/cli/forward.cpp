// `cuddle forward MODEL_DIR --inputs IN.safetensors --out OUT.safetensors`: runs the class
// config.json names (architectures[0]) on input_ids / attention_mask / token_type_ids and /
// or pixel_values / pixel_mask, and saves every named output, for parity checks against
// transformers.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/adapter_flags.h"
#include "cli/command.h"
#include "cli/quant_flags.h"
#include "cuddle/models.h"
#include "cuddle/safetensors.h"

namespace cuddle::cli {
namespace {

struct ForwardArgs {
  std::string model, inputs, out;
  bool json = false;
  QuantFlags quant;
  AdapterFlags adapter;
};

// Other tensors in the file (a reference.safetensors also holds outputs) are ignored.
ModelInputs read_inputs(const std::string& path) {
  SafetensorsFile f = SafetensorsFile::open(path);
  if (!f.contains("input_ids") && !f.contains("pixel_values"))
    throw FormatError(path + ": no \"input_ids\" or \"pixel_values\" tensor (expected input_ids, and "
                      "optionally attention_mask and token_type_ids; or pixel_values and optionally "
                      "pixel_mask; CLIP takes both)");
  ModelInputs in;
  // Copies: the outputs may be written over the inputs file.
  auto copy = [&](const char* name, Tensor& to) {
    if (f.contains(name)) to = f.tensor(name).clone();
  };
  copy("input_ids", in.input_ids);
  copy("attention_mask", in.attention_mask);
  copy("token_type_ids", in.token_type_ids);
  copy("pixel_values", in.pixel_values);
  copy("pixel_mask", in.pixel_mask);
  return in;
}

}  // namespace

CUDDLE_CLI_COMMAND("forward", [](CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "forward", "Run a model folder on input tensors and save every named output");
  auto a = std::make_shared<ForwardArgs>();
  cmd->add_option("MODEL_DIR", a->model,
                  "model folder (config.json + safetensors weights), or a PEFT adapter folder (its base model is "
                  "loaded, then the adapter)")
      ->required();
  a->adapter.add_to(*cmd);
  cmd->add_option("--inputs", a->inputs,
                  "safetensors file with input_ids [, attention_mask, token_type_ids] and / or "
                  "pixel_values [, pixel_mask]")
      ->required();
  cmd->add_option("--out", a->out, "safetensors file to write the outputs to")->required();
  cmd->add_flag("--json", a->json, "print the written outputs as JSON");
  a->quant.add_to(*cmd);
  return [a]() {
    // Everything is loaded and computed before the output file is written (atomically),
    // so an error leaves nothing behind.
    // A folder saved quantized is read as it is; the flags quantize an f32 one while loading.
    a->adapter.resolve(a->model);
    auto model = a->adapter.apply(quant::load_quantized_model(a->model, std::nullopt, a->quant.requested()));
    ModelOutputs out = model->forward(read_inputs(a->inputs));
    save_safetensors(a->out, out.tensors);
    if (a->json) {
      nlohmann::json j = {{"model", model->class_name()}, {"out", a->out}, {"outputs", nlohmann::json::object()}};
      for (const auto& [name, t] : out.tensors) j["outputs"][name] = t.shape();
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << model->class_name() << " -> " << a->out << "\n";
      for (const auto& [name, t] : out.tensors) std::cout << "  " << name << " " << t.describe() << "\n";
    }
    return 0;
  };
});

}  // namespace cuddle::cli
