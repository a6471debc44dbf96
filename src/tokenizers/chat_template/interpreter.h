// Renders a parsed template: statements write to the output, expressions evaluate to
// Values, with jinja2's scoping (a for loop body and a macro body get their own scope, so
// `set` inside them stays there; namespace() objects carry values out).
#pragma once
#include <memory>
#include <string>

#include "tokenizers/chat_template/ast.h"

namespace cuddle::chat {

// Throws cuddle::ChatTemplateError naming the line and column of the node that failed.
std::string render(const std::shared_ptr<const Program>& program, const Dict& variables);

}  // namespace cuddle::chat
