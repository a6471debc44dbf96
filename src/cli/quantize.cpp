// `cuddle quantize DIR --load_in_8bit | --load_in_4bit [--bnb_4bit_quant_type nf4|fp4]
// [--bnb_4bit_use_double_quant] --out Q`: writes the folder as transformers' save_pretrained
// writes a bitsandbytes model (docs/quantization.md).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/quant_flags.h"
#include "models/quantizable_layers.h"

namespace cuddle::cli {
namespace {
struct QuantizeArgs {
  std::string model, out;
  QuantFlags flags;
  bool json = false;
};
}  // namespace

CUDDLE_CLI_COMMAND("quantize", [](CLI::App& app) {
  auto* cmd = app.add_subcommand("quantize", "Quantize a model folder's Linear weights to 8 or 4 bits (bitsandbytes format)");
  auto a = std::make_shared<QuantizeArgs>();
  cmd->add_option("DIR", a->model, "model folder (config.json + safetensors weights)")->required();
  cmd->add_option("--out", a->out, "folder to write the quantized model to")->required();
  a->flags.add_to(*cmd);
  cmd->add_flag("--json", a->json, "print what was written as JSON");
  return [a]() {
    const auto config = a->flags.requested();
    if (!config) throw Error("quantize: pass --load_in_8bit or --load_in_4bit");
    auto model = quant::load_quantized_model(a->model, std::nullopt, config);
    size_t layers = 0;
    for (const models::QuantizableLayer& l : models::quantizable_layers(*model)) layers += *l.quantized != nullptr;
    quant::save_quantized(*model, *config, a->model, a->out);
    const std::string mode = config->load_in_8bit ? "int8" : config->bnb_4bit_quant_type;
    if (a->json) {
      std::cout << nlohmann::json{{"out", a->out}, {"mode", mode}, {"quantized_linear_layers", layers}}.dump() << "\n";
    } else {
      std::cout << model->class_name() << ": " << layers << " Linear layers quantized (" << mode << ") -> " << a->out << "\n";
    }
    return 0;
  };
});

}  // namespace cuddle::cli
