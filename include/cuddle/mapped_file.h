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

// Lets the OS drop the resident pages wholly inside [data, data + nbytes) of a read-only
// file mapping (a private, unmodified MappedFile region). They are read back from the file
// if touched again, so this only lowers resident memory, e.g. after a weight was packed
// into another layout and the mapped original is no longer read.
void release_mapped_pages(const void* data, size_t nbytes);

}  // namespace cuddle
