// Failures inside the template engine. A TemplateFailure carries no position: the
// interpreter adds the line and column of the node it was evaluating when it rethrows it as
// the public cuddle::ChatTemplateError. The lexer and parser know the position and throw
// that directly through fail_at.
#pragma once
#include <stdexcept>
#include <string>

namespace cuddle::chat {

// 1-based position in the template source; the column counts code points.
struct SourcePos {
  int line = 1;
  int column = 1;
};

class TemplateFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws cuddle::ChatTemplateError "chat template line L, column C: what".
[[noreturn]] void fail_at(SourcePos at, const std::string& what);

}  // namespace cuddle::chat
