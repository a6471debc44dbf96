// Header parsing and validation. The rules follow the reference reader (safetensors 0.8),
// and each violation gets its own message naming the file, the tensor and the numbers
// (docs/safetensors.md lists them). Nothing here trusts a size or an offset before it has
// been checked against the buffer.
#include <simdjson.h>

#include <algorithm>
#include <set>

#include "cuddle/error.h"
#include "cuddle/safetensors.h"
#include "io/quote.h"

namespace cuddle {

namespace {

// Same limit as the reference: a larger header is refused before it is read.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr size_t kLengthBytes = 8;

std::string span_str(uint64_t begin, uint64_t end) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&&.
  std::string s = "[";
  s += std::to_string(begin);
  s += ", ";
  s += std::to_string(end);
  s += "]";
  return s;
}

// Builds errors that all start with the source and, when known, the tensor.
struct Reporter {
  const std::string& what;
  [[noreturn]] void fail(const std::string& problem) const { throw FormatError(what + ": " + problem); }
  [[noreturn]] void fail(const std::string& tensor, const std::string& problem) const {
    throw FormatError(what + ": tensor " + io::quote(tensor) + ": " + problem);
  }
};

uint64_t read_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::string json_type_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY: return "an array";
    case T::OBJECT: return "an object";
    case T::INT64:
    case T::UINT64: return "an integer";
    case T::DOUBLE: return "a floating-point number";
    case T::STRING: return "a string";
    case T::BOOL: return "a boolean";
    case T::NULL_VALUE: return "null";
  }
  return "an unknown JSON value";
}

// A JSON number that must be a non-negative integer (shape dimensions, offsets). The
// reference reads them as usize, so negatives, fractions and exponents are refused.
bool as_index(simdjson::dom::element v, uint64_t* out) {
  if (v.type() == simdjson::dom::element_type::UINT64) {
    *out = v.get_uint64().value_unsafe();
    return true;
  }
  if (v.type() == simdjson::dom::element_type::INT64) {
    int64_t i = v.get_int64().value_unsafe();
    if (i < 0) return false;
    *out = static_cast<uint64_t>(i);
    return true;
  }
  return false;
}

std::string value_str(simdjson::dom::element v) {
  std::string s = simdjson::minify(v);
  if (s.size() > 40) {
    s.resize(37);
    s += "...";
  }
  return s;
}

void parse_metadata(simdjson::dom::element v, const Reporter& r,
                    std::map<std::string, std::string>* out) {
  if (v.is_null()) return;  // the reference reads a null __metadata__ as absent
  simdjson::dom::object obj;
  if (v.get_object().get(obj))
    r.fail("__metadata__ must be an object of strings, found " + json_type_name(v.type()));
  for (auto field : obj) {
    std::string key(field.key);
    std::string_view value;
    if (field.value.get_string().get(value))
      r.fail("__metadata__ value for " + io::quote(key) + " must be a string, found " +
             json_type_name(field.value.type()));
    if (!out->emplace(key, std::string(value)).second)
      r.fail("duplicate key " + io::quote(key) + " in __metadata__");
  }
}

Shape parse_shape(simdjson::dom::element v, const std::string& name, const Reporter& r) {
  simdjson::dom::array arr;
  if (v.get_array().get(arr))
    r.fail(name, "shape must be an array of non-negative integers, found " + json_type_name(v.type()));
  Shape shape;
  size_t i = 0;
  for (auto d : arr) {
    uint64_t dim = 0;
    if (!as_index(d, &dim))
      r.fail(name, "shape[" + std::to_string(i) + "] is " + value_str(d) +
                       ", expected a non-negative integer");
    if (dim > static_cast<uint64_t>(INT64_MAX))
      r.fail(name, "shape[" + std::to_string(i) + "] is " + std::to_string(dim) +
                       ", larger than the largest supported dimension 2^63-1");
    shape.push_back(static_cast<int64_t>(dim));
    ++i;
  }
  return shape;
}

// Number of bytes `shape` of `dtype` occupies, refusing overflow and partial bytes.
uint64_t tensor_bytes(DType dtype, const Shape& shape, const std::string& name, const Reporter& r) {
  uint64_t numel = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel))
      r.fail(name, "shape " + shape_str(shape) + " has more elements than fit in 64 bits");
  }
  uint64_t bits = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype_bits(dtype)), &bits))
    r.fail(name, "shape " + shape_str(shape) + " of " + std::string(dtype_name(dtype)) +
                     " is larger than 2^64 bits");
  if (bits % 8 != 0)
    r.fail(name, std::to_string(numel) + " elements of " + std::string(dtype_name(dtype)) +
                     " do not fill whole bytes");
  return bits / 8;
}

SafetensorsEntry parse_entry(const std::string& name, simdjson::dom::element v,
                             uint64_t data_size, const Reporter& r) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj))
    r.fail(name, "entry must be an object with dtype, shape and data_offsets, found " +
                     json_type_name(v.type()));
  std::set<std::string_view> seen;
  for (auto field : obj)
    if (!seen.insert(field.key).second)
      r.fail(name, "duplicate field " + io::quote(std::string(field.key)));
  auto field = [&](const char* key) {
    simdjson::dom::element e;
    if (obj[key].get(e)) r.fail(name, std::string("missing field \"") + key + "\"");
    return e;
  };

  SafetensorsEntry entry;
  entry.name = name;
  simdjson::dom::element dtype_v = field("dtype");
  std::string_view dtype_s;
  if (dtype_v.get_string().get(dtype_s))
    r.fail(name, "dtype must be a string, found " + json_type_name(dtype_v.type()));
  if (!dtype_from_name(dtype_s, &entry.dtype))
    r.fail(name, "unknown dtype " + io::quote(std::string(dtype_s)));
  entry.shape = parse_shape(field("shape"), name, r);

  simdjson::dom::element off_v = field("data_offsets");
  simdjson::dom::array off;
  uint64_t bounds[2] = {0, 0};
  if (off_v.get_array().get(off) || off.size() != 2 || !as_index(off.at(0).value_unsafe(), &bounds[0]) ||
      !as_index(off.at(1).value_unsafe(), &bounds[1]))
    r.fail(name, "data_offsets must be [begin, end] with non-negative integers, found " +
                     value_str(off_v));
  entry.begin = bounds[0];
  entry.end = bounds[1];
  if (entry.end < entry.begin)
    r.fail(name, "data_offsets " + span_str(entry.begin, entry.end) + " end before they begin");
  uint64_t need = tensor_bytes(entry.dtype, entry.shape, name, r);
  if (entry.end - entry.begin != need)
    r.fail(name, std::string(dtype_name(entry.dtype)) + shape_str(entry.shape) + " needs " +
                     std::to_string(need) + " bytes but data_offsets " +
                     span_str(entry.begin, entry.end) + " span " +
                     std::to_string(entry.end - entry.begin));
  if (entry.end > data_size)
    r.fail(name, "data_offsets " + span_str(entry.begin, entry.end) +
                     " run past the end of the data section (" + std::to_string(data_size) +
                     " bytes; is the file truncated?)");
  return entry;
}

// Tensors must tile the data section exactly: sorted by offset, each one starts where the
// previous one ends, the first at 0, the last at the end of the file.
void check_layout(std::vector<SafetensorsEntry>& entries, uint64_t data_size, const Reporter& r) {
  std::sort(entries.begin(), entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.begin < expected)
      r.fail(e.name, "data_offsets " + span_str(e.begin, e.end) + " overlap tensor " +
                         io::quote(entries[i - 1].name) + " at " +
                         span_str(entries[i - 1].begin, entries[i - 1].end));
    if (e.begin > expected)
      r.fail(e.name, "data_offsets " + span_str(e.begin, e.end) + " leave a gap: bytes " +
                         span_str(expected, e.begin) + " belong to no tensor");
    expected = e.end;
  }
  if (expected != data_size)
    r.fail(std::to_string(data_size - expected) + " trailing bytes after the last tensor (data section is " +
           std::to_string(data_size) + " bytes, tensors cover " + std::to_string(expected) + ")");
}

}  // namespace

SafetensorsHeader parse_safetensors(const unsigned char* data, size_t size, const std::string& what) {
  Reporter r{what};
  if (size < kLengthBytes)
    r.fail("file is " + std::to_string(size) + " bytes, too short for the 8-byte header length");
  uint64_t n = read_le64(data);
  if (n > kMaxHeaderBytes)
    r.fail("header length " + std::to_string(n) + " exceeds the limit of " +
           std::to_string(kMaxHeaderBytes) + " bytes");
  if (n > size - kLengthBytes)
    r.fail("header length " + std::to_string(n) + " runs past the end of the file (" +
           std::to_string(size) + " bytes)");
  const unsigned char* json = data + kLengthBytes;
  if (!simdjson::validate_utf8(reinterpret_cast<const char*>(json), n))
    r.fail("header is not valid UTF-8");
  if (n == 0 || json[0] != '{')
    r.fail(n == 0 ? std::string("header is empty, expected a JSON object")
                  : "header does not start with '{' (a JSON object), found byte " +
                        std::to_string(json[0]));

  SafetensorsHeader header;
  header.data_offset = kLengthBytes + n;
  uint64_t data_size = size - header.data_offset;

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(reinterpret_cast<const char*>(json), n).get(root))
    r.fail(std::string("header is not valid JSON: ") + simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) r.fail("header must be a JSON object");

  std::set<std::string_view> names;
  for (auto field : obj) {
    std::string name(field.key);
    if (!names.insert(field.key).second) r.fail("duplicate tensor name " + io::quote(name) + " in header");
    if (name == "__metadata__")
      parse_metadata(field.value, r, &header.metadata);
    else
      header.entries.push_back(parse_entry(name, field.value, data_size, r));
  }
  check_layout(header.entries, data_size, r);
  return header;
}

}  // namespace cuddle
