// `cuddle chat-template`: renders a model folder's chat template over a conversation and
// prints the prompt exactly (no newline added), as transformers'
// apply_chat_template(messages, tokenize=False) returns it.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cuddle/chat_template.h"

namespace {

using nlohmann::ordered_json;

struct ChatTemplateFlags {
  std::string dir, tokenizer, messages, tools, documents, name;
  std::vector<std::string> vars;
  bool add_generation_prompt = false, continue_final_message = false;
};

ordered_json read_json(const std::string& path, const char* flag) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw cuddle::IoError(std::string(flag) + " " + path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return ordered_json::parse(ss.str());
  } catch (const ordered_json::exception& e) {
    throw cuddle::FormatError(std::string(flag) + " " + path + ": not valid JSON (" + e.what() + ")");
  }
}

int run(const ChatTemplateFlags& f) {
  if (f.dir.empty() == f.tokenizer.empty()) throw cuddle::Error("chat-template: give the model folder once (MODEL_DIR or --tokenizer)");
  cuddle::ChatTemplateOptions o;
  o.add_generation_prompt = f.add_generation_prompt;
  o.continue_final_message = f.continue_final_message;
  if (!f.tools.empty()) o.tools = read_json(f.tools, "--tools");
  if (!f.documents.empty()) o.documents = read_json(f.documents, "--documents");
  if (!f.name.empty()) o.template_name = f.name;
  for (const auto& kv : f.vars) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw cuddle::FormatError("--var: expected NAME=JSON, got \"" + kv + "\"");
    std::string value = kv.substr(eq + 1);
    // A value that is not JSON is taken as a string: --var date_string="26 Jul 2024".
    ordered_json j = ordered_json::parse(value, nullptr, false);
    o.extra[kv.substr(0, eq)] = j.is_discarded() ? ordered_json(value) : j;
  }
  ordered_json config = cuddle::load_tokenizer_config(f.dir.empty() ? f.tokenizer : f.dir);
  std::cout << cuddle::apply_chat_template(config, read_json(f.messages, "--messages"), o) << std::flush;
  return 0;
}

}  // namespace

CUDDLE_CLI_COMMAND("chat-template", [](CLI::App& app) {
  auto f = std::make_shared<ChatTemplateFlags>();
  auto* sub = app.add_subcommand("chat-template", "Render a model's chat template over a conversation (apply_chat_template)");
  sub->add_option("model_dir", f->dir, "model folder with tokenizer_config.json (or chat_template.jinja)");
  sub->add_option("--tokenizer", f->tokenizer, "the model folder, as a flag instead of MODEL_DIR");
  sub->add_option("--messages", f->messages, "JSON file: a list of {\"role\", \"content\"} messages")->required();
  sub->add_flag("--add-generation-prompt,--add_generation_prompt", f->add_generation_prompt,
                "end with the header of an assistant turn");
  sub->add_flag("--continue-final-message,--continue_final_message", f->continue_final_message,
                "leave the last message open for the model to continue");
  sub->add_option("--tools", f->tools, "JSON file: a list of tool (function) schemas");
  sub->add_option("--documents", f->documents, "JSON file: a list of {\"title\", \"text\"} documents");
  sub->add_option("--template", f->name, "name of the template to use when the tokenizer has several");
  sub->add_option("--var", f->vars, "extra template variable NAME=JSON (e.g. enable_thinking=false); repeatable");
  return [f] { return run(*f); };
});
