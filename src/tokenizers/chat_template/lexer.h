// Splits a template into text and tag tokens with jinja2's whitespace rules: `{%-` / `-%}`
// strip the whitespace beside a tag, and the settings transformers renders chat templates
// with, trim_blocks (the newline after a block or comment tag goes) and lstrip_blocks (spaces
// and tabs before a block or comment tag on its own line go). Comments are dropped here.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/chat_template/errors.h"

namespace cuddle::chat {

struct Token {
  enum Type { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End };
  Type type;
  std::string text;  // the text, name, string value (unescaped) or operator
  int64_t int_value = 0;
  double float_value = 0;
  SourcePos at;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws cuddle::ChatTemplateError (line and column) for an unclosed tag, comment or string.
std::vector<Token> lex(std::string_view source, const LexOptions& options = {});

}  // namespace cuddle::chat
