// Fuzzes the chat-template engine: the input is a template, then optionally a NUL byte and
// a JSON object of extra variables. Parsing and rendering (over a fixed conversation with
// tools) may only fail with cuddle::Error; an accepted template must render the same text
// twice (rendering has no state of its own that leaks between calls).
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "cuddle/chat_template.h"

namespace {

const nlohmann::ordered_json& variables() {
  static const nlohmann::ordered_json v = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Hi <b>there</b> \u00e9\u6771"},
      {"role": "assistant", "content": "<think>\nhm\n</think>\n\nHello", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"x": 1, "y": [true, null, 2.5]}}}]},
      {"role": "tool", "content": "{\"ok\": 1}"},
      {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "and this?"}]}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"
  })");
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  const char* nul = static_cast<const char*>(std::memchr(bytes, 0, size));
  std::string source(bytes, nul ? nul - bytes : size);
  nlohmann::ordered_json vars = variables();
  if (nul) {
    auto extra = nlohmann::ordered_json::parse(nul + 1, bytes + size, nullptr, false);
    if (extra.is_object())
      for (const auto& [k, v] : extra.items()) vars[k] = v;
  }
  try {
    cuddle::ChatTemplate tpl(source);
    std::string first = tpl.render(vars);
    if (tpl.render(vars) != first) __builtin_trap();
  } catch (const cuddle::Error&) {
  }
  return 0;
}
