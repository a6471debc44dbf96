// safetensors: zero-copy reader (mmap), writer with the reference implementation's layout,
// and sharded checkpoints (model.safetensors.index.json). Format: 8-byte little-endian
// header length N, N bytes of JSON header, then the data section. Every size and offset
// read from a file is validated before use (docs/safetensors.md).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cuddle/mapped_file.h"
#include "cuddle/tensor.h"

namespace cuddle {

struct SafetensorsEntry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0;  // byte offsets relative to the start of the data section
  uint64_t end = 0;
};

// The parsed, validated header of a safetensors byte buffer.
struct SafetensorsHeader {
  std::map<std::string, std::string> metadata;  // the __metadata__ object (string -> string)
  std::vector<SafetensorsEntry> entries;         // in data-offset order
  uint64_t data_offset = 0;                      // 8 + header length
};

// Parses and validates the header of `size` bytes at `data` (the whole file). `what` names
// the source in error messages (usually the path). Throws FormatError on any violation.
SafetensorsHeader parse_safetensors(const unsigned char* data, size_t size, const std::string& what);

class SafetensorsFile {
 public:
  // mmaps and validates; throws IoError / FormatError naming the path and the problem.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  const SafetensorsHeader& header() const { return header_; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  std::vector<std::string> names() const;  // in data-offset order
  bool contains(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;
  // Zero-copy view into the mapping (read-only storage). Storage-only dtypes are returned
  // as such; computing with them fails later with a clear error.
  Tensor tensor(const std::string& name) const;

 private:
  std::string path_;
  std::shared_ptr<MappedFile> file_;
  std::shared_ptr<Storage> storage_;  // the data section
  SafetensorsHeader header_;
  std::map<std::string, size_t> index_;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Serialises like the reference writer (safetensors 0.8): tensors sorted by dtype alignment
// then name, compact JSON header with __metadata__ first, header padded with spaces to a
// multiple of 8. Writes to a temporary file and renames, so a failure leaves nothing behind.
std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::map<std::string, std::string>& metadata = {});
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes a model folder's weights as transformers' save_pretrained does: model.safetensors
// when everything fits in `max_shard_bytes`, otherwise model-0000K-of-0000N.safetensors
// shards (filled greedily in the given order) plus model.safetensors.index.json.
void save_safetensors_checkpoint(const std::string& dir, const NamedTensors& tensors,
                                 uint64_t max_shard_bytes,
                                 const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// All the weights of a model folder: model.safetensors, or the shards listed in
// model.safetensors.index.json (weight_map). Also accepts a single .safetensors file.
class SafetensorsCheckpoint {
 public:
  // A folder that holds only pickle weights (pytorch_model.bin) is refused with a message
  // saying how to convert it.
  static SafetensorsCheckpoint open(const std::string& path);
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  Tensor tensor(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;
  const std::vector<SafetensorsFile>& files() const { return files_; }

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, size_t> owner_;  // tensor name -> index into files_
};

}  // namespace cuddle
