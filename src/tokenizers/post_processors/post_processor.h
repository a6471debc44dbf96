// Post-processors: add the model's special tokens around one sequence or a pair (and
// their overflowing windows). One class per `post_processor.type`.
#pragma once
#include <memory>
#include <vector>

#include "cuddle/tokenizer.h"
#include "tokenizers/json.h"

namespace cuddle::tok {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual size_t added_tokens(bool is_pair) const = 0;
  // Receives 1 or 2 encodings whose type ids are already 0 / 1; returns the pieces to merge.
  virtual std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const = 0;
};

std::unique_ptr<PostProcessor> make_post_processor(const JsonRef& j);

// The whole step: type ids 0/1, process_encodings, merge (HF's PostProcessor::process).
// `pp` may be null (then sequences are only merged).
Encoding post_process(const PostProcessor* pp, Encoding a, std::optional<Encoding> b, bool add_special_tokens);

// ByteLevel's offset trimming: drop leading/trailing spaces from token offsets.
void trim_byte_level_offsets(Encoding& e, bool add_prefix_space);

}  // namespace cuddle::tok
