#include "io/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

#include "cuddle/error.h"

namespace cuddle::io {

void write_all(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoError(path + ": write failed: " + std::strerror(errno));
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void write_file_atomic(const std::string& path, const std::function<void(int fd)>& fill) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) throw IoError(path + ": cannot create a temporary file: " + std::strerror(errno));
  try {
    fill(fd);
    // fsync before the rename: after a crash the new name never points at missing data.
    int rc = ::fchmod(fd, 0644) | ::fsync(fd) | ::close(fd);
    fd = -1;
    if (rc != 0) throw IoError(path + ": cannot finish writing: " + std::strerror(errno));
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw IoError(path + ": cannot rename the temporary file into place: " + std::strerror(errno));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  write_file_atomic(path, [&](int fd) { write_all(fd, bytes.data(), bytes.size(), path); });
}

}  // namespace cuddle::io
