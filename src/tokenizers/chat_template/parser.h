// Builds the syntax tree of a template from the lexer's tokens, with jinja2's grammar and
// operator precedence.
#pragma once
#include <string_view>

#include "tokenizers/chat_template/ast.h"
#include "tokenizers/chat_template/lexer.h"

namespace cuddle::chat {

// Throws cuddle::ChatTemplateError naming the line and column of the first syntax error.
Program parse(std::string_view source, const LexOptions& options = {});

}  // namespace cuddle::chat
