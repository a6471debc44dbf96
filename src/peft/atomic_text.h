// Small text files (adapter_config.json, README.md, config.json) written atomically.
#pragma once
#include <string>

namespace cuddle::peft {

// Writes a temporary sibling and renames it over `path`: readers never see half a file.
void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace cuddle::peft
