#include "tokenizers/chat_template/errors.h"

#include "cuddle/chat_template.h"

namespace cuddle::chat {

void fail_at(SourcePos at, const std::string& what) {
  throw ChatTemplateError("chat template line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": " +
                              what,
                          at.line, at.column);
}

}  // namespace cuddle::chat
