// BitsAndBytesConfig and config.json's quantization_config, with transformers' names.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "cuddle/quant.h"
#include "io/json_file.h"

namespace cuddle::quant {

void BitsAndBytesConfig::validate(const std::string& what) const {
  if (load_in_8bit && load_in_4bit)
    throw Error(what + ": load_in_8bit and load_in_4bit are both set; choose one");
  if (!load_in_8bit && !load_in_4bit) throw Error(what + ": neither load_in_8bit nor load_in_4bit is set");
  if (load_in_4bit) four_bit_type(bnb_4bit_quant_type, what + ": bnb_4bit_quant_type");
  if (bnb_4bit_quant_storage != "uint8")
    throw Error(what + ": bnb_4bit_quant_storage \"" + bnb_4bit_quant_storage +
                "\" is not supported (cuddle stores 4-bit weights as uint8)");
  if (load_in_8bit && llm_int8_has_fp16_weight)
    throw Error(what + ": llm_int8_has_fp16_weight=true (mixed-precision training weights) is not supported");
  if (!(llm_int8_threshold >= 0.0f)) throw Error(what + ": llm_int8_threshold must be >= 0");
}

std::string BitsAndBytesConfig::to_json() const {
  nlohmann::json j = {
      {"quant_method", "bitsandbytes"},
      {"_load_in_8bit", load_in_8bit},
      {"_load_in_4bit", load_in_4bit},
      {"load_in_8bit", load_in_8bit},
      {"load_in_4bit", load_in_4bit},
      {"llm_int8_threshold", llm_int8_threshold},
      {"llm_int8_skip_modules", llm_int8_skip_modules ? nlohmann::json(*llm_int8_skip_modules) : nlohmann::json()},
      {"llm_int8_enable_fp32_cpu_offload", llm_int8_enable_fp32_cpu_offload},
      {"llm_int8_has_fp16_weight", llm_int8_has_fp16_weight},
      {"bnb_4bit_compute_dtype", bnb_4bit_compute_dtype},
      {"bnb_4bit_quant_type", bnb_4bit_quant_type},
      {"bnb_4bit_use_double_quant", bnb_4bit_use_double_quant},
      {"bnb_4bit_quant_storage", bnb_4bit_quant_storage},
  };
  return j.dump(2);
}

namespace {
template <class T>
void read_field(const nlohmann::json& j, const char* key, T& into, const std::string& what) {
  if (!j.contains(key) || j[key].is_null()) return;
  try {
    into = j[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw FormatError(what + ": quantization_config." + key + " has the wrong type (" + j[key].dump() + ")");
  }
}
}  // namespace

BitsAndBytesConfig BitsAndBytesConfig::from_json(const std::string& text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(what + ": quantization_config is not JSON: " + e.what());
  }
  if (!j.is_object()) throw FormatError(what + ": quantization_config is not an object");
  const std::string method = j.value("quant_method", std::string());
  if (method != "bitsandbytes")
    throw FormatError(what + ": quantization method \"" + method +
                      "\" is not supported (cuddle reads bitsandbytes 8-bit and 4-bit models)");
  BitsAndBytesConfig c;
  // transformers keeps the flags as _load_in_8bit / _load_in_4bit and also writes the plain names.
  read_field(j, "_load_in_8bit", c.load_in_8bit, what);
  read_field(j, "_load_in_4bit", c.load_in_4bit, what);
  read_field(j, "load_in_8bit", c.load_in_8bit, what);
  read_field(j, "load_in_4bit", c.load_in_4bit, what);
  read_field(j, "llm_int8_threshold", c.llm_int8_threshold, what);
  if (j.contains("llm_int8_skip_modules") && !j["llm_int8_skip_modules"].is_null()) {
    std::vector<std::string> skip;
    read_field(j, "llm_int8_skip_modules", skip, what);
    c.llm_int8_skip_modules = skip;
  }
  read_field(j, "llm_int8_enable_fp32_cpu_offload", c.llm_int8_enable_fp32_cpu_offload, what);
  read_field(j, "llm_int8_has_fp16_weight", c.llm_int8_has_fp16_weight, what);
  read_field(j, "bnb_4bit_compute_dtype", c.bnb_4bit_compute_dtype, what);
  read_field(j, "bnb_4bit_quant_type", c.bnb_4bit_quant_type, what);
  read_field(j, "bnb_4bit_use_double_quant", c.bnb_4bit_use_double_quant, what);
  read_field(j, "bnb_4bit_quant_storage", c.bnb_4bit_quant_storage, what);
  c.validate(what + ": quantization_config");
  return c;
}

std::optional<BitsAndBytesConfig> read_quantization_config(const std::string& model_dir) {
  const std::string path = (std::filesystem::path(model_dir) / "config.json").string();
  if (!std::filesystem::exists(path)) return std::nullopt;
  const nlohmann::json j = io::read_json_file(path);
  if (!j.is_object() || !j.contains("quantization_config")) return std::nullopt;
  return BitsAndBytesConfig::from_json(j["quantization_config"].dump(), path);
}

}  // namespace cuddle::quant
