// Chat templates: the Jinja template in a tokenizer's tokenizer_config.json (or the
// chat_template.jinja that transformers v5 saves beside it) rendered over a conversation,
// as transformers' `tokenizer.apply_chat_template(messages, tokenize=False, ...)` does.
// The engine is cuddle's own Jinja subset (see docs/chat_templates.md for what it covers);
// its output is checked byte for byte against @huggingface/jinja.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cuddle/error.h"

namespace cuddle {

namespace chat {
struct Program;
}

// A template that does not parse, or that fails while rendering (raise_exception, an
// unknown filter, a type error). The message starts "chat template line L, column C:".
class ChatTemplateError : public FormatError {
 public:
  ChatTemplateError(const std::string& what, int line, int column) : FormatError(what), line_(line), column_(column) {}
  int line() const { return line_; }      // 1-based; 0 when the failure has no place in the template
  int column() const { return column_; }  // 1-based, in code points

 private:
  int line_, column_;
};

// A parsed template, reusable across renders.
class ChatTemplate {
 public:
  // Throws ChatTemplateError for a syntax error (unclosed block, unknown filter, ...).
  explicit ChatTemplate(const std::string& source);
  // Renders with these variables (a JSON object: messages, add_generation_prompt, bos_token,
  // ...); jinja2 semantics with transformers' settings (trim_blocks, lstrip_blocks,
  // loopcontrols, tojson, raise_exception, strftime_now).
  std::string render(const nlohmann::ordered_json& variables) const;

 private:
  std::shared_ptr<const chat::Program> program_;
};

struct ChatTemplateOptions {
  bool add_generation_prompt = false;
  // Leave the last message open for the model to continue (no end-of-turn after it).
  bool continue_final_message = false;
  std::optional<nlohmann::ordered_json> tools;      // a list of JSON schemas
  std::optional<nlohmann::ordered_json> documents;  // a list of {"title", "text"} objects
  // A template of a named list to use; by default "tool_use" when tools are given and the
  // list has it, else "default".
  std::optional<std::string> template_name;
  // Further template variables (transformers' **kwargs), e.g. {"enable_thinking": false}.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// transformers' apply_chat_template(messages, tokenize=False): picks the template from
// tokenizer_config["chat_template"] (a string, or a list of {"name", "template"}), passes
// the special tokens the config names (bos_token, eos_token, unk_token, pad_token, ...) as
// variables, renders. Throws ChatTemplateError (template problems) or FormatError (no
// template, a bad option).
std::string apply_chat_template(const nlohmann::ordered_json& tokenizer_config, const nlohmann::ordered_json& messages,
                                const ChatTemplateOptions& options = {});
std::string apply_chat_template(const nlohmann::ordered_json& tokenizer_config, const nlohmann::ordered_json& messages,
                                bool add_generation_prompt, const nlohmann::ordered_json* tools = nullptr);

// tokenizer_config.json of a model folder (an empty object when absent), with the
// templates transformers v5 saves as separate files merged into "chat_template":
// chat_template.jinja (the default) and additional_chat_templates/NAME.jinja.
nlohmann::ordered_json load_tokenizer_config(const std::string& dir);

}  // namespace cuddle
