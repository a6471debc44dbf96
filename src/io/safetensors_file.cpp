// SafetensorsFile: a validated header over an mmap'd file; tensors are zero-copy views.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cuddle/error.h"
#include "cuddle/safetensors.h"
#include "io/quote.h"

namespace cuddle {

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  f.file_ = MappedFile::open(path);
  f.header_ = parse_safetensors(f.file_->data(), f.file_->size(), path);
  for (size_t i = 0; i < f.header_.entries.size(); ++i) f.index_[f.header_.entries[i].name] = i;
  return f;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(header_.entries.size());
  for (const auto& e : header_.entries) out.push_back(e.name);
  return out;
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) != 0; }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw FormatError(path_ + ": no tensor named " + io::quote(name));
  return header_.entries[it->second];
}

Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const unsigned char* bytes = file_->data() + header_.data_offset + e.begin;
  size_t nbytes = static_cast<size_t>(e.end - e.begin);
  // Each tensor gets its own Storage so that sub-byte types start at offset 0. Writers
  // other than the reference may leave data unaligned for its element type; such tensors
  // are copied once into an aligned buffer instead of handing kernels a misaligned pointer.
  size_t align = static_cast<size_t>(std::max(dtype_bits(e.dtype) / 8, 1));
  std::shared_ptr<Storage> storage;
  if (reinterpret_cast<uintptr_t>(bytes) % align == 0) {
    storage = std::make_shared<Storage>(const_cast<unsigned char*>(bytes), nbytes, file_);
    storage->set_read_only(true);
  } else {
    storage = Storage::allocate(nbytes);
    if (nbytes) std::memcpy(storage->data(), bytes, nbytes);
  }
  return Tensor::from_storage(std::move(storage), e.dtype, e.shape);
}

}  // namespace cuddle
