// The loaded pipeline of a tokenizer.json, shared (immutable after loading) by Tokenizer
// copies.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "cuddle/tokenizer.h"
#include "tokenizers/added_vocabulary.h"
#include "tokenizers/decoders/decoder.h"
#include "tokenizers/models/model.h"
#include "tokenizers/normalizers/normalizer.h"
#include "tokenizers/post_processors/post_processor.h"
#include "tokenizers/pre_tokenizers/pre_tokenizer.h"

namespace cuddle::tok {

struct TokenizerCore {
  std::string name;  // file name, for messages
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;
  std::optional<TruncationParams> truncation;  // as found in the file
  std::optional<PaddingParams> padding;
};

std::shared_ptr<TokenizerCore> load_core(std::string_view json, const std::string& name);
// Reads the file straight into simdjson's padded buffer (no copies of a 30 MB file).
std::shared_ptr<TokenizerCore> load_core_file(const std::string& path);

}  // namespace cuddle::tok
