// Models: turn one pre-tokenized word into tokens. One class per `model.type`.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/json.h"
#include "tokenizers/pre_tokenized_string.h"

namespace cuddle::tok {

class Model {
 public:
  virtual ~Model() = default;
  // Tokens of `word`, offsets in bytes of `word`.
  virtual std::vector<Token> tokenize(std::string_view word) const = 0;
  // Says that `word` is tokenized soon, so the model may start loading what it will look
  // up (its memory latency then overlaps the words before it).
  virtual void prefetch(std::string_view /*word*/) const {}
  virtual std::optional<uint32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(uint32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual std::optional<std::string> continuing_subword_prefix() const { return std::nullopt; }
};

std::unique_ptr<Model> make_model(const JsonRef& j);
std::unique_ptr<Model> make_bpe(const JsonRef& j);
std::unique_ptr<Model> make_wordpiece(const JsonRef& j);
std::unique_ptr<Model> make_wordlevel(const JsonRef& j);
std::unique_ptr<Model> make_unigram(const JsonRef& j);

}  // namespace cuddle::tok
