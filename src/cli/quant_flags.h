// bitsandbytes' BitsAndBytesConfig flags, shared by the commands that load models
// (quantize, forward, bench model, pipeline): the names are transformers'.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "cuddle/quant.h"

namespace cuddle::cli {

struct QuantFlags {
  quant::BitsAndBytesConfig config;
  std::vector<std::string> skip_modules;

  void add_to(CLI::App& cmd) {
    auto* b8 = cmd.add_flag("--load_in_8bit", config.load_in_8bit, "quantize Linear weights to LLM.int8 (bitsandbytes)");
    auto* b4 = cmd.add_flag("--load_in_4bit", config.load_in_4bit, "quantize Linear weights to 4 bits (bitsandbytes)");
    b8->excludes(b4);
    cmd.add_option("--bnb_4bit_quant_type", config.bnb_4bit_quant_type, "4-bit code: nf4 or fp4 (default fp4)")
        ->check(CLI::IsMember({"nf4", "fp4"}));
    cmd.add_flag("--bnb_4bit_use_double_quant", config.bnb_4bit_use_double_quant,
                 "quantize the 4-bit absmax again (8-bit, blocks of 256)");
    cmd.add_option("--llm_int8_threshold", config.llm_int8_threshold,
                   "activation magnitude from which LLM.int8 keeps a column in f32 (default 6)");
    cmd.add_option("--llm_int8_skip_modules", skip_modules, "module names kept in f32 (replaces the default rule)")
        ->delimiter(',');
  }
  // The requested config, or nullopt when neither mode was asked for.
  std::optional<quant::BitsAndBytesConfig> requested() const {
    if (!config.load_in_8bit && !config.load_in_4bit) return std::nullopt;
    quant::BitsAndBytesConfig c = config;
    if (!skip_modules.empty()) c.llm_int8_skip_modules = skip_modules;
    c.validate("quantization flags");
    return c;
  }
};

}  // namespace cuddle::cli
