// Reading small JSON documents (config.json, index files) with errors that name the file.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace cuddle::io {

// Throws IoError when the file cannot be read, FormatError when it is not JSON.
nlohmann::json read_json_file(const std::string& path);

}  // namespace cuddle::io
