#include "io/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

#include "cuddle/error.h"

namespace cuddle::io {

void write_file_atomic(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) throw IoError(path + ": cannot create a temporary file: " + std::strerror(errno));
  try {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw IoError(path + ": write failed: " + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
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

}  // namespace cuddle::io
