// Writing a whole file atomically: a sibling temporary file renamed over the target, so
// readers never see a partial file, a file that is still mmap'd stays intact, and a
// process killed mid-write leaves the previous file (checkpoints, datasets, configs).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cuddle::io {

// Fills a sibling temporary file through `fill(fd)` and renames it over `path`; on any
// failure (thrown by `fill` too) the temporary file is removed and `path` is untouched.
// Throws IoError naming `path` and the OS reason.
void write_file_atomic(const std::string& path, const std::function<void(int fd)>& fill);
// The same for bytes already in memory.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Writes all `size` bytes to `fd`, retrying short writes and EINTR; IoError names `path`.
void write_all(int fd, const void* data, size_t size, const std::string& path);

}  // namespace cuddle::io
