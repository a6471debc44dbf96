// Writing a whole file atomically: a sibling temporary file renamed over the target, so
// readers never see a partial file, a file that is still mmap'd stays intact, and a
// process killed mid-write leaves the previous file (checkpoints, datasets, configs).
#pragma once
#include <string>
#include <string_view>

namespace cuddle::io {

// Throws IoError naming `path` and the OS reason.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace cuddle::io
