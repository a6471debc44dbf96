// bitsandbytes quantization on the CPU: LLM.int8 (row-wise absmax int8 with the outlier
// decomposition) and 4-bit NF4 / FP4 (blockwise absmax, optional double quantisation of
// the absmax), with the numbers bitsandbytes computes and the files transformers writes
// for such models (docs/quantization.md).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cuddle/models.h"
#include "cuddle/nn.h"
#include "cuddle/safetensors.h"
#include "cuddle/tensor.h"

namespace cuddle::quant {

// transformers' BitsAndBytesConfig, field for field (the defaults are its defaults).
struct BitsAndBytesConfig {
  bool load_in_8bit = false;
  bool load_in_4bit = false;
  float llm_int8_threshold = 6.0f;
  // Module name patterns kept in full precision; when set they replace the default rule.
  std::optional<std::vector<std::string>> llm_int8_skip_modules;
  bool llm_int8_enable_fp32_cpu_offload = false;
  bool llm_int8_has_fp16_weight = false;
  std::string bnb_4bit_compute_dtype = "float32";
  std::string bnb_4bit_quant_type = "fp4";  // "nf4" or "fp4"
  bool bnb_4bit_use_double_quant = false;
  std::string bnb_4bit_quant_storage = "uint8";

  // Throws Error naming the field for combinations cuddle cannot honour (both or neither
  // mode, an unknown quant type, a storage other than uint8, fp16 weights kept for training).
  void validate(const std::string& what = "BitsAndBytesConfig") const;
  // The quantization_config object of config.json, as transformers' to_dict writes it.
  std::string to_json() const;
  // Parses a quantization_config object; `what` names the source in errors.
  static BitsAndBytesConfig from_json(const std::string& json, const std::string& what);
};

// config.json's quantization_config of a model folder: nullopt when there is none. A
// quant_method other than "bitsandbytes" (gptq, awq, ...) is a FormatError naming it.
std::optional<BitsAndBytesConfig> read_quantization_config(const std::string& model_dir);

// ---- the numbers ----

enum class FourBitType { NF4, FP4 };
FourBitType four_bit_type(const std::string& name, const std::string& what);  // "nf4" / "fp4"
const char* four_bit_type_name(FourBitType type);
// bitsandbytes' get_4bit_type tables, indexed by the 4-bit code.
const std::array<float, 16>& four_bit_code(FourBitType type);
// bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): the
// sorted 8-bit code double quantisation stores the 4-bit absmax with.
const std::array<float, 256>& dynamic_map();

// LLM.int8 weight: CB [N, K] int8, SCB [N] f32 = the absmax of each row after the weight
// is cast to float16 (Int8Params does so); CB = round-half-even(w16 * (127 / SCB)).
struct Int8Weight {
  Tensor CB, SCB;
};
Int8Weight quantize_int8(const Tensor& weight);
// CB * SCB / 127 as bitsandbytes' int8_vectorwise_dequant ((q * scb) * (1/127) in f32).
Tensor dequantize_int8(const Int8Weight& w);

// Blockwise 8-bit quantisation with a sorted code (bitsandbytes' quantize_blockwise):
// per block of `blocksize` values the absmax; each value scaled by 1/absmax, clamped to
// [-1, 1] and given the index of the nearest code value (a value exactly between two
// codes takes the lower one, as torch.bucketize on the midpoints does).
struct Blockwise8 {
  std::vector<uint8_t> codes;
  std::vector<float> absmax;
};
Blockwise8 quantize_blockwise(const float* x, int64_t n, const std::array<float, 256>& code, int64_t blocksize);

// A 4-bit weight and its quant state, as bitsandbytes' Params4bit holds it.
struct FourBitWeight {
  FourBitType type = FourBitType::FP4;
  int64_t blocksize = 64;
  Shape shape;                   // of the original weight
  std::string dtype = "float32"; // of the original weight (quant_state's "dtype")
  Tensor packed;                 // U8 [(n + 1) / 2, 1]; element 2i in the high nibble
  Tensor absmax;                 // F32 [blocks], or U8 [blocks] when nested
  Tensor quant_map;              // F32 [16]
  bool nested = false;           // double quantisation: absmax = nested code + offset
  Tensor nested_absmax;          // F32 [ceil(blocks / nested_blocksize)]
  Tensor nested_quant_map;       // F32 [256]
  int64_t nested_blocksize = 256;
  std::string nested_dtype = "float32";
  float nested_offset = 0.0f;
  int64_t numel() const;
  int64_t blocks() const { return (numel() + blocksize - 1) / blocksize; }
};
FourBitWeight quantize_4bit(const Tensor& weight, FourBitType type, bool double_quant, int64_t blocksize = 64);
// The f32 absmax of every 4-bit block (the nested state dequantised when there is one).
std::vector<float> block_absmax(const FourBitWeight& w);
// code[q] * absmax[block], f32, in the weight's shape.
Tensor dequantize_4bit(const FourBitWeight& w);
// Throws FormatError (naming `what`) when the parts disagree with each other or the shape.
void check_4bit(const FourBitWeight& w, const std::string& what);

// ---- files ----

// The state-dict entries of one quantized Linear weight under `prefix` ("bert.pooler.dense.")
// as bitsandbytes saves them: weight (int8), SCB, weight_format (u8 scalar 0) for 8-bit;
// weight (packed u8), weight.absmax, weight.quant_map, [weight.nested_absmax,
// weight.nested_quant_map,] weight.quant_state.bitsandbytes__<type> (the JSON of the rest).
NamedTensors state_dict_entries(const std::string& prefix, const Int8Weight& w);
NamedTensors state_dict_entries(const std::string& prefix, const FourBitWeight& w);
// The quant_state JSON (json.dumps of the non-tensor fields, in bitsandbytes' key order).
std::string quant_state_json(const FourBitWeight& w);
// Reads the parts back; `tensor(name)` returns the entry of that full key or an undefined
// tensor. Throws FormatError naming the key for a missing part, a corrupt quant state or
// shapes that do not fit.
using TensorLookup = std::function<Tensor(const std::string&)>;
Int8Weight read_int8_entries(const std::string& prefix, const TensorLookup& tensor, const std::string& what);
FourBitWeight read_4bit_entries(const std::string& prefix, const TensorLookup& tensor, const std::string& what);

// ---- models ----

// A Linear whose weight is quantized: computes act(x W^T + b) with the int8 or 4-bit kernels.
std::shared_ptr<const nn::QuantizedLinear> make_quantized_linear(Int8Weight w, float threshold);
std::shared_ptr<const nn::QuantizedLinear> make_quantized_linear(FourBitWeight w);
// The weight a quantized layer holds; nullptr when it is of the other kind.
const Int8Weight* int8_weight_of(const nn::QuantizedLinear& q);
const FourBitWeight* four_bit_weight_of(const nn::QuantizedLinear& q);

// transformers' default rule (get_keys_to_not_convert): the tied parameters (both sides,
// ".weight" removed), the last parameter's name (".weight" removed; a trailing ".bias" stays,
// so a head with a bias is still quantized) -- or llm_int8_skip_modules when given.
std::vector<std::string> modules_not_to_convert(nn::Module& root, const BitsAndBytesConfig& config,
                                                const std::map<std::string, std::string>& tied);
// transformers' should_convert_module: false when a pattern matches the module name at
// its start (as a regex, alone or followed by a dot) or the name ends with it.
bool should_convert_module(const std::string& name, const std::vector<std::string>& patterns);

// Quantizes the loaded f32 Linear layers of `root` that the rule leaves in (in place).
// Returns the names of the quantized modules.
std::vector<std::string> quantize_linears(nn::Module& root, const BitsAndBytesConfig& config,
                                          const std::map<std::string, std::string>& tied);
// Before loading a checkpoint saved quantized: installs every quantized Linear weight it
// holds into the matching Linear of `root` (module paths matched as the checkpoint's, or
// with a leading component added or removed, as the base-model prefix is; a path that
// matches no Linear, a head the model lacks, is left to load_weights). Returns the
// checkpoint keys consumed and the module keys filled, for PreTrainedModel::load_weights.
// `what` (the folder) is named in errors.
PreTrainedModel::Prefilled attach_prequantized(nn::Module& root, const SafetensorsCheckpoint& checkpoint,
                                               const BitsAndBytesConfig& config, const std::string& what);
// Every parameter of `root` by its key, quantized Linear weights as their bitsandbytes
// entries; keys in `skip` (tied copies) are left out.
NamedTensors quantized_state_dict(nn::Module& root, const std::set<std::string>& skip);

// from_pretrained with a quantization config: a folder saved quantized (config.json holds
// a bitsandbytes quantization_config) is read as saved; otherwise `requested` quantizes the
// f32 weights while loading; neither: an ordinary f32 model. `task` nullopt: the class
// architectures[0] names.
std::unique_ptr<PreTrainedModel> load_quantized_model(const std::string& dir, std::optional<ModelTask> task,
                                                      const std::optional<BitsAndBytesConfig>& requested);
// save_pretrained of a quantized model: model.safetensors with the bitsandbytes entries,
// config.json of `source_dir` with quantization_config added, the folder's other files copied.
void save_quantized(PreTrainedModel& model, const BitsAndBytesConfig& config, const std::string& source_dir,
                    const std::string& out_dir);

}  // namespace cuddle::quant
