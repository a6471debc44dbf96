// Pre-tokenizers: one class per `pre_tokenizer.type` of tokenizer.json; each splits the
// untokenized pieces of a PreTokenizedString into words.
#pragma once
#include <memory>

#include "tokenizers/json.h"
#include "tokenizers/pre_tokenized_string.h"

namespace cuddle::tok {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& s) const = 0;
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonRef& j);
// Defined in byte_level.cpp / split.cpp / metaspace.cpp / unicode_scripts.cpp.
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const JsonRef& j);
std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const JsonRef& j);
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const JsonRef& j);
std::unique_ptr<PreTokenizer> make_unicode_scripts_pre_tokenizer();

SplitBehavior parse_split_behavior(const JsonRef& j);

}  // namespace cuddle::tok
