// Metaspace settings, shared by the pre-tokenizer and the decoder of the same name.
#pragma once
#include <string>

#include "tokenizers/json.h"

namespace cuddle::tok {

enum class PrependScheme { Always, First, Never };

struct MetaspaceConfig {
  char32_t replacement = 0x2581;
  std::string str_rep = "\xE2\x96\x81";
  PrependScheme scheme = PrependScheme::Always;
  bool split = true;
};

// Reads replacement / prepend_scheme (or the older add_prefix_space) / split.
MetaspaceConfig parse_metaspace(const JsonRef& j);

}  // namespace cuddle::tok
