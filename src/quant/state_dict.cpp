// The state-dict entries of quantized Linear weights, named and laid out as bitsandbytes
// saves them (Linear8bitLt / Linear4bit._save_to_state_dict, QuantState.as_dict(packed=True)).
#include <nlohmann/json.hpp>

#include "cuddle/error.h"
#include "cuddle/quant.h"

namespace cuddle::quant {

namespace {

const char* kQuantStateKey = "weight.quant_state.bitsandbytes__";

Tensor json_bytes(const std::string& text) {
  return Tensor::from_vector(std::vector<uint8_t>(text.begin(), text.end()), {static_cast<int64_t>(text.size())});
}

// Python's json.dumps of a float: repr, the shortest text that reads back to the double,
// which nlohmann's number formatting also produces (same exponent thresholds).
std::string py_float(double v) { return nlohmann::json(v).dump(); }

Tensor need(const TensorLookup& tensor, const std::string& key, const std::string& what) {
  Tensor t = tensor(key);
  if (!t.defined()) throw FormatError(what + ": quantized weight entry \"" + key + "\" is missing");
  return t;
}

int64_t int_field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key) || !j[key].is_number_integer())
    throw FormatError(what + ": quant state field \"" + key + "\" is missing or not an integer");
  return j[key].get<int64_t>();
}
std::string string_field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key) || !j[key].is_string())
    throw FormatError(what + ": quant state field \"" + key + "\" is missing or not a string");
  return j[key].get<std::string>();
}

}  // namespace

NamedTensors state_dict_entries(const std::string& prefix, const Int8Weight& w) {
  // weight_format 0 = "row", the only layout bitsandbytes still writes.
  return {{prefix + "weight", w.CB},
          {prefix + "SCB", w.SCB},
          {prefix + "weight_format", Tensor::from_vector(std::vector<uint8_t>{0}, {})}};
}

std::string quant_state_json(const FourBitWeight& w) {
  // json.dumps of the non-tensor fields in QuantState.as_dict's order, with its separators.
  std::string s = "{\"quant_type\": \"" + std::string(four_bit_type_name(w.type)) +
                  "\", \"blocksize\": " + std::to_string(w.blocksize) + ", \"dtype\": \"" + w.dtype +
                  "\", \"shape\": [";
  for (size_t i = 0; i < w.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(w.shape[i]);
  s += "]";
  if (w.nested)
    s += ", \"nested_blocksize\": " + std::to_string(w.nested_blocksize) + ", \"nested_dtype\": \"" + w.nested_dtype +
         "\", \"nested_offset\": " + py_float(static_cast<double>(w.nested_offset));
  return s + "}";
}

NamedTensors state_dict_entries(const std::string& prefix, const FourBitWeight& w) {
  NamedTensors out = {{prefix + "weight", w.packed}, {prefix + "weight.absmax", w.absmax},
                      {prefix + "weight.quant_map", w.quant_map}};
  if (w.nested) {
    out.emplace_back(prefix + "weight.nested_absmax", w.nested_absmax);
    out.emplace_back(prefix + "weight.nested_quant_map", w.nested_quant_map);
  }
  out.emplace_back(prefix + kQuantStateKey + four_bit_type_name(w.type), json_bytes(quant_state_json(w)));
  return out;
}

Int8Weight read_int8_entries(const std::string& prefix, const TensorLookup& tensor, const std::string& what) {
  Int8Weight w{need(tensor, prefix + "weight", what), need(tensor, prefix + "SCB", what)};
  if (w.CB.dtype() != DType::I8 || w.CB.dim() != 2)
    throw FormatError(what + ": " + prefix + "weight is " + w.CB.describe() + ", expected a 2-D I8 weight (8-bit model)");
  if (w.SCB.dtype() != DType::F32 || w.SCB.dim() != 1 || w.SCB.size(0) != w.CB.size(0))
    throw FormatError(what + ": " + prefix + "SCB is " + w.SCB.describe() + ", expected F32[" +
                      std::to_string(w.CB.size(0)) + "] (one scale per row of the weight)");
  const Tensor format = tensor(prefix + "weight_format");
  if (format.defined() && (format.numel() != 1 || format.flat_as_double(0) != 0.0))
    throw FormatError(what + ": " + prefix + "weight_format is not 0 (\"row\"), the only 8-bit layout supported");
  return w;
}

FourBitWeight read_4bit_entries(const std::string& prefix, const TensorLookup& tensor, const std::string& what) {
  FourBitWeight w;
  Tensor state;
  for (FourBitType type : {FourBitType::NF4, FourBitType::FP4}) {
    const Tensor t = tensor(prefix + kQuantStateKey + four_bit_type_name(type));
    if (!t.defined()) continue;
    if (state.defined())
      throw FormatError(what + ": " + prefix + "weight has both an nf4 and an fp4 quant state");
    state = t;
    w.type = type;
  }
  if (!state.defined())
    throw FormatError(what + ": quantized weight entry \"" + prefix + kQuantStateKey + "nf4\" (or fp4) is missing");
  if (state.dtype() != DType::U8 || state.dim() != 1)
    throw FormatError(what + ": " + prefix + "weight.quant_state is " + state.describe() + ", expected U8 JSON bytes");
  const Tensor bytes = state.contiguous();
  const std::string text(reinterpret_cast<const char*>(bytes.data<uint8_t>()), static_cast<size_t>(bytes.numel()));
  const std::string where = what + ": " + prefix + "weight.quant_state";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + " is not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw FormatError(where + " is not a JSON object");
  const std::string quant_type = string_field(j, "quant_type", where);
  if (quant_type != four_bit_type_name(w.type))
    throw FormatError(where + ": quant_type \"" + quant_type + "\" disagrees with the entry's name");
  w.blocksize = int_field(j, "blocksize", where);
  w.dtype = string_field(j, "dtype", where);
  if (!j.contains("shape") || !j["shape"].is_array()) throw FormatError(where + ": \"shape\" is missing or not a list");
  // Each dimension and their product stay below 2^48, so numel() cannot overflow.
  int64_t numel = 1;
  for (const auto& d : j["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (int64_t{1} << 48) ||
        (d.get<int64_t>() > 0 && numel > (int64_t{1} << 48) / d.get<int64_t>()))
      throw FormatError(where + ": \"shape\" holds " + d.dump() + ", not a dimension of a weight");
    numel *= d.get<int64_t>();
    w.shape.push_back(d.get<int64_t>());
  }
  w.packed = need(tensor, prefix + "weight", what);
  w.absmax = need(tensor, prefix + "weight.absmax", what);
  w.quant_map = need(tensor, prefix + "weight.quant_map", what);
  w.nested = j.contains("nested_offset") || tensor(prefix + "weight.nested_absmax").defined();
  if (w.nested) {
    w.nested_absmax = need(tensor, prefix + "weight.nested_absmax", what);
    w.nested_quant_map = need(tensor, prefix + "weight.nested_quant_map", what);
    w.nested_blocksize = int_field(j, "nested_blocksize", where);
    w.nested_dtype = string_field(j, "nested_dtype", where);
    if (!j.contains("nested_offset") || !j["nested_offset"].is_number())
      throw FormatError(where + ": \"nested_offset\" is missing or not a number");
    w.nested_offset = j["nested_offset"].get<float>();
  }
  check_4bit(w, what + ": " + prefix + "weight");
  return w;
}

}  // namespace cuddle::quant
