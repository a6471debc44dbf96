// The public chat-template API: what transformers' apply_chat_template does around the
// Jinja render (template choice, special tokens, continue_final_message), and reading the
// templates of a model folder.
#include "cuddle/chat_template.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenizers/chat_template/interpreter.h"
#include "tokenizers/chat_template/parser.h"

namespace cuddle {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

ChatTemplate::ChatTemplate(const std::string& source) : program_(std::make_shared<const chat::Program>(chat::parse(source))) {}

std::string ChatTemplate::render(const ordered_json& variables) const {
  if (!variables.is_object()) throw FormatError("chat template variables must be a JSON object, got " + std::string(variables.type_name()));
  chat::Dict vars;
  for (const auto& [k, v] : variables.items()) vars.emplace_back(k, chat::Value::from_json(v));
  return chat::render(program_, vars);
}

namespace {

// A special token in a config: "text" or {"content": "text", ...} (AddedToken).
std::optional<std::string> token_text(const ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

std::string choose_template(const ordered_json& config, const ChatTemplateOptions& options) {
  if (!config.is_object() || !config.contains("chat_template") || config["chat_template"].is_null())
    throw FormatError("tokenizer_config.json has no chat_template (and the folder no chat_template.jinja)");
  const ordered_json& t = config["chat_template"];
  if (t.is_string()) {
    if (options.template_name) throw FormatError("chat template '" + *options.template_name + "' requested, but the tokenizer has a single unnamed template");
    return t.get<std::string>();
  }
  if (!t.is_array()) throw FormatError("tokenizer_config.json: chat_template must be a string or a list of {name, template}");
  std::string wanted = options.template_name ? *options.template_name : "";
  auto find = [&](const std::string& name) -> const ordered_json* {
    for (const auto& e : t)
      if (e.is_object() && e.value("name", ordered_json()) == name && e.contains("template") && e["template"].is_string())
        return &e["template"];
    return nullptr;
  };
  const ordered_json* hit = nullptr;
  if (!wanted.empty()) {
    hit = find(wanted);
    if (!hit) throw FormatError("tokenizer_config.json: no chat template named '" + wanted + "'");
  } else {
    if (options.tools) hit = find("tool_use");
    if (!hit) hit = find("default");
    if (!hit) throw FormatError("tokenizer_config.json has several chat templates and none named 'default': choose one by name");
  }
  return hit->get<std::string>();
}

// transformers' continue_final_message: cut the render right after the last message's
// text, so whatever the template puts after it (end of turn) is gone.
std::string cut_after_final_message(const std::string& rendered, const ordered_json& messages) {
  const ordered_json& last = messages.back();
  std::string text;
  const ordered_json content = last.is_object() && last.contains("content") ? last["content"] : ordered_json();
  if (content.is_string()) {
    text = content.get<std::string>();
  } else if (content.is_array()) {
    bool found = false;
    for (auto it = content.rbegin(); it != content.rend() && !found; ++it)
      if (it->is_object() && it->contains("text") && (*it)["text"].is_string()) text = (*it)["text"].get<std::string>(), found = true;
    if (!found) throw FormatError("continue_final_message: the final message has no text to continue");
  } else {
    throw FormatError("continue_final_message: the final message has no content");
  }
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  size_t b = 0, e = text.size();
  while (b < e && ws(text[b])) ++b;
  while (e > b && ws(text[e - 1])) --e;
  std::string stripped = text.substr(b, e - b), lstripped = text.substr(b);
  size_t at = rendered.rfind(stripped);
  if (at == std::string::npos)
    throw FormatError("continue_final_message: the final message does not appear in the rendered chat");
  // Keep the message's trailing whitespace only where the template kept it.
  if (rendered.compare(at, lstripped.size(), lstripped) == 0 && lstripped == text) return rendered.substr(0, at + lstripped.size());
  return rendered.substr(0, at + stripped.size());
}

}  // namespace

std::string apply_chat_template(const ordered_json& config, const ordered_json& messages, const ChatTemplateOptions& options) {
  if (!messages.is_array()) throw FormatError("chat messages must be a JSON list of {\"role\", \"content\"} objects");
  if (options.continue_final_message && options.add_generation_prompt)
    throw FormatError("continue_final_message and add_generation_prompt cannot be used together");
  if (options.continue_final_message && messages.empty()) throw FormatError("continue_final_message needs at least one message");
  if (!options.extra.is_object()) throw FormatError("extra chat template variables must be a JSON object");
  ChatTemplate tpl(choose_template(config, options));

  ordered_json vars = ordered_json::object();
  vars["messages"] = messages;
  vars["tools"] = options.tools ? *options.tools : ordered_json();
  vars["documents"] = options.documents ? *options.documents : ordered_json();
  vars["add_generation_prompt"] = options.add_generation_prompt;
  for (const char* name : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
    if (config.contains(name))
      if (auto text = token_text(config[name])) vars[name] = *text;
  if (config.contains("additional_special_tokens") && config["additional_special_tokens"].is_array()) {
    ordered_json extra_tokens = ordered_json::array();
    for (const auto& t : config["additional_special_tokens"])
      if (auto text = token_text(t)) extra_tokens.push_back(*text);
    vars["additional_special_tokens"] = extra_tokens;
  }
  for (const auto& [k, v] : options.extra.items()) vars[k] = v;

  std::string rendered = tpl.render(vars);
  return options.continue_final_message ? cut_after_final_message(rendered, messages) : rendered;
}

std::string apply_chat_template(const ordered_json& config, const ordered_json& messages, bool add_generation_prompt,
                                const ordered_json* tools) {
  ChatTemplateOptions options;
  options.add_generation_prompt = add_generation_prompt;
  if (tools) options.tools = *tools;
  return apply_chat_template(config, messages, options);
}

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw IoError(p.string() + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

ordered_json load_tokenizer_config(const std::string& dir) {
  fs::path d(dir);
  if (!fs::is_directory(d)) throw IoError(dir + ": not a directory");
  ordered_json config = ordered_json::object();
  if (fs::exists(d / "tokenizer_config.json")) {
    try {
      config = ordered_json::parse(read_text(d / "tokenizer_config.json"));
    } catch (const ordered_json::exception& e) {
      throw FormatError((d / "tokenizer_config.json").string() + ": not valid JSON (" + e.what() + ")");
    }
    if (!config.is_object()) throw FormatError((d / "tokenizer_config.json").string() + ": expected a JSON object");
  }
  // transformers v5 writes the templates as files; they win over the config's copy.
  ordered_json named = ordered_json::array();
  if (fs::exists(d / "chat_template.jinja")) named.push_back({{"name", "default"}, {"template", read_text(d / "chat_template.jinja")}});
  if (fs::is_directory(d / "additional_chat_templates")) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(d / "additional_chat_templates"))
      if (e.path().extension() == ".jinja") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) named.push_back({{"name", f.stem().string()}, {"template", read_text(f)}});
  }
  if (named.size() == 1 && named[0]["name"] == "default") config["chat_template"] = named[0]["template"];
  else if (!named.empty()) config["chat_template"] = named;
  return config;
}

}  // namespace cuddle
