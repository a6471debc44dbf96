// Writer with the reference layout (safetensors 0.8), so that a file read and written back
// is byte-identical to what Python's save_file produced:
//  - tensors sorted by the reference's dtype order, largest alignment first, then by name
//    (bytewise), which keeps every tensor aligned to its element size;
//  - compact JSON: __metadata__ first (when given), then the tensors in data order, each as
//    {"dtype","shape","data_offsets"}; strings escaped as serde_json does (which is also
//    what nlohmann::json::dump does without ensure_ascii);
//  - the header padded with spaces to a multiple of 8 bytes.

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "cuddle/error.h"
#include "cuddle/safetensors.h"
#include "io/atomic_file.h"
#include "io/quote.h"

namespace cuddle {

namespace {

// Position of each dtype in the reference's Dtype enum, which is declared in increasing
// alignment order; the writer sorts by it, descending.
int reference_rank(DType t) {
  switch (t) {
    case DType::Bool: return 0;
    case DType::F4: return 1;
    case DType::F6_E2M3: return 2;
    case DType::F6_E3M2: return 3;
    case DType::U8: return 4;
    case DType::I8: return 5;
    case DType::F8_E5M2: return 6;
    case DType::F8_E4M3: return 7;
    case DType::F8_E8M0: return 8;
    case DType::F8_E4M3FNUZ: return 9;
    case DType::F8_E5M2FNUZ: return 10;
    case DType::I16: return 11;
    case DType::U16: return 12;
    case DType::F16: return 13;
    case DType::BF16: return 14;
    case DType::I32: return 15;
    case DType::U32: return 16;
    case DType::F32: return 17;
    case DType::C64: return 18;
    case DType::F64: return 19;
    case DType::I64: return 20;
    case DType::U64: return 21;
  }
  return -1;
}

std::string json_string(const std::string& s, const std::string& what) {
  try {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception&) {
    throw FormatError(what + " is not valid UTF-8");
  }
}

struct Prepared {
  std::string header;  // padded JSON, without the 8-byte length
  std::vector<std::pair<std::string, Tensor>> tensors;  // contiguous, in data order
  uint64_t data_size = 0;
};

Prepared prepare(const NamedTensors& input, const std::map<std::string, std::string>& metadata) {
  Prepared p;
  std::set<std::string> seen;
  for (const auto& [name, t] : input) {
    if (!t.defined()) throw ShapeError("safetensors: tensor " + io::quote(name) + " is undefined");
    if (name == "__metadata__") throw ShapeError("safetensors: \"__metadata__\" is reserved and cannot name a tensor");
    if (!seen.insert(name).second) throw ShapeError("safetensors: duplicate tensor name " + io::quote(name));
    p.tensors.emplace_back(name, t.contiguous());
  }
  std::stable_sort(p.tensors.begin(), p.tensors.end(), [](const auto& a, const auto& b) {
    int ra = reference_rank(a.second.dtype()), rb = reference_rank(b.second.dtype());
    return ra != rb ? ra > rb : a.first < b.first;
  });

  std::string& h = p.header;
  h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) h += ',';
      first = false;
      h += json_string(k, "metadata key") + ":" + json_string(v, "metadata value for " + io::quote(k));
    }
    h += "}";
  }
  bool first = metadata.empty();
  for (const auto& [name, t] : p.tensors) {
    if (!first) h += ',';
    first = false;
    uint64_t begin = p.data_size;
    p.data_size += t.nbytes();
    h += json_string(name, "tensor name " + io::quote(name)) + ":{\"dtype\":\"" +
         std::string(dtype_name(t.dtype())) + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape().size(); ++i) {
      if (i) h += ',';
      h += std::to_string(t.shape()[i]);
    }
    h += "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(p.data_size) + "]}";
  }
  h += "}";
  h.resize((h.size() + 7) / 8 * 8, ' ');
  return p;
}

std::string length_prefix(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i) & 0xff);
  return s;
}

}  // namespace

std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  Prepared p = prepare(tensors, metadata);
  std::string out = length_prefix(p.header.size()) + p.header;
  out.reserve(out.size() + p.data_size);
  for (const auto& [name, t] : p.tensors)
    out.append(static_cast<const char*>(t.raw_data()), t.nbytes());
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Prepared p = prepare(tensors, metadata);
  // Atomic: readers never see a partial file, and an existing file that is mmap'd (perhaps
  // by the tensors being saved) stays intact.
  io::write_file_atomic(path, [&](int fd) {
    std::string head = length_prefix(p.header.size()) + p.header;
    io::write_all(fd, head.data(), head.size(), path);
    for (const auto& [name, t] : p.tensors) io::write_all(fd, t.raw_data(), t.nbytes(), path);
  });
}

}  // namespace cuddle
