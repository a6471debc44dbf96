// Writing a whole file atomically: a sibling temporary file renamed over the target, so
// readers never see a partial file and a file that is still mmap'd stays intact.
#pragma once
#include <string>
#include <string_view>

namespace cuddle::datasets_detail {

// Throws IoError naming `path` and the OS reason.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace cuddle::datasets_detail
