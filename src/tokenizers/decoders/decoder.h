// Decoders: turn the token strings of some ids back into text. One class per
// `decoder.type`; decode_chain maps tokens to tokens so decoders can be chained.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tokenizers/json.h"

namespace cuddle::tok {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
  std::string decode(std::vector<std::string> tokens) const;
};

std::unique_ptr<Decoder> make_decoder(const JsonRef& j);

// The WordPiece decoder's clean-up (also used by CTC): " ." -> "." and friends.
std::string wordpiece_cleanup(std::string s);

}  // namespace cuddle::tok
