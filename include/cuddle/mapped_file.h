// A read-only memory mapping of a whole file. Tensors loaded from safetensors point into
// it (zero-copy); it stays mapped while any such tensor's Storage holds it.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace cuddle {

class MappedFile {
 public:
  // Throws IoError naming the path and the OS reason.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace cuddle
