// apply_chat_template around the render, as transformers does it: which template of a
// named list, the special tokens and extra variables passed, continue_final_message, the
// files transformers v5 writes (chat_template.jinja), bad options; and the CLI command.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cuddle/chat_template.h"
#include "test_util.h"

namespace {

using nlohmann::ordered_json;
using cuddle::test::fixture;
using cuddle::test::read_file;
using cuddle::test::run_cli;
using cuddle::test::TempDir;
using cuddle::test::write_file;

const ordered_json kChat = ordered_json::parse(R"([
  {"role": "user", "content": "Hi"},
  {"role": "assistant", "content": "Hello! How can I help?  "}
])");

ordered_json chatml() { return cuddle::load_tokenizer_config(fixture("chat_templates/chatml")); }

TEST(ChatTemplateApi, NamedTemplatesChooseAsTransformers) {
  ordered_json config = cuddle::load_tokenizer_config(fixture("chat_templates/named"));
  ASSERT_TRUE(config["chat_template"].is_array());
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, true), "[USER] Hi[ASSISTANT] Hello! How can I help?  [ASSISTANT]");
  ordered_json tools = ordered_json::parse(R"([{"name": "search"}, {"name": "calc"}])");
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, false, &tools), "TOOLS search,calc|user: Hi;assistant: Hello! How can I help?  ;");
  cuddle::ChatTemplateOptions o;
  o.tools = tools;
  o.template_name = "default";
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, o), "[USER] Hi[ASSISTANT] Hello! How can I help?  ");
  o.template_name = "nope";
  EXPECT_EQ(cuddle::test::error_of([&] { cuddle::apply_chat_template(config, kChat, o); }),
            "tokenizer_config.json: no chat template named 'nope'");
  config["chat_template"].erase(0);  // no "default" left
  EXPECT_NE(cuddle::test::error_of([&] { cuddle::apply_chat_template(config, kChat, false); }).find("none named 'default'"),
            std::string::npos);
}

TEST(ChatTemplateApi, SpecialTokensAndExtraVariablesReachTheTemplate) {
  ordered_json config = {{"chat_template", "{{ bos_token }}|{{ eos_token }}|{{ unk_token }}|{{ pad_token is defined }}|{{ custom }}"},
                         {"bos_token", {{"__type", "AddedToken"}, {"content", "<s>"}}},
                         {"eos_token", "</s>"},
                         {"unk_token", nullptr}};
  cuddle::ChatTemplateOptions o;
  o.extra = {{"custom", "x"}, {"eos_token", "<override>"}};
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, o), "<s>|<override>||False|x");
}

TEST(ChatTemplateApi, ToolsAndDocumentsAreNoneWhenAbsent) {
  ordered_json config = {{"chat_template", "{{ tools is none }} {{ documents is none }} {{ add_generation_prompt }}"}};
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, false), "True True False");
}

TEST(ChatTemplateApi, ContinueFinalMessageCutsAfterItsText) {
  cuddle::ChatTemplateOptions o;
  o.continue_final_message = true;
  // The template keeps the message's trailing spaces, so they stay; the end of turn goes.
  EXPECT_EQ(cuddle::apply_chat_template(chatml(), kChat, o),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello! How can I help?  ");
  // A template that trims the message: the cut falls after the trimmed text.
  ordered_json trims = {{"chat_template", "{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}</>{% endfor %}"}};
  EXPECT_EQ(cuddle::apply_chat_template(trims, kChat, o), "<user>Hi</><assistant>Hello! How can I help?");
  o.add_generation_prompt = true;
  EXPECT_EQ(cuddle::test::error_of([&] { cuddle::apply_chat_template(chatml(), kChat, o); }),
            "continue_final_message and add_generation_prompt cannot be used together");
}

TEST(ChatTemplateApi, BadInputGivesOneClearError) {
  EXPECT_EQ(cuddle::test::error_of([&] { cuddle::apply_chat_template(ordered_json::object(), kChat, false); }),
            "tokenizer_config.json has no chat_template (and the folder no chat_template.jinja)");
  EXPECT_EQ(cuddle::test::error_of([&] { cuddle::apply_chat_template(chatml(), ordered_json{{"role", "user"}}, false); }),
            "chat messages must be a JSON list of {\"role\", \"content\"} objects");
  ordered_json broken = {{"chat_template", "{% for m in messages %}{{ m.content }}"}};
  auto what = cuddle::test::error_of<cuddle::ChatTemplateError>([&] { cuddle::apply_chat_template(broken, kChat, false); });
  EXPECT_NE(what.find("chat template line 1"), std::string::npos) << what;
  EXPECT_NE(cuddle::test::error_of<cuddle::IoError>([] { cuddle::load_tokenizer_config("/nonexistent/model"); }), "");
}

TEST(ChatTemplateApi, ChatTemplateFilesWinOverTheConfig) {
  TempDir dir;
  write_file(dir / "tokenizer_config.json", R"({"chat_template": "config", "eos_token": "</s>"})");
  write_file(dir / "chat_template.jinja", "file {{ eos_token }}\n");
  EXPECT_EQ(cuddle::apply_chat_template(cuddle::load_tokenizer_config(dir.path()), kChat, false), "file </s>");
  std::filesystem::create_directory(dir / "additional_chat_templates");
  write_file(dir / "additional_chat_templates/rag.jinja", "rag");
  ordered_json config = cuddle::load_tokenizer_config(dir.path());
  cuddle::ChatTemplateOptions o;
  o.template_name = "rag";
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, o), "rag");
  EXPECT_EQ(cuddle::apply_chat_template(config, kChat, false), "file </s>");
}

TEST(ChatTemplateCli, PrintsTheRenderedPromptExactly) {
  TempDir dir;
  write_file(dir / "messages.json", kChat.dump());
  auto r = run_cli({"chat-template", fixture("chat_templates/chatml"), "--messages", dir / "messages.json", "--add-generation-prompt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello! How can I help?  <|im_end|>\n<|im_start|>assistant\n");
  // transformers' spelling of the flags and --tokenizer work too.
  write_file(dir / "tools.json", R"([{"name": "search"}])");
  r = run_cli({"chat-template", "--tokenizer", fixture("chat_templates/named"), "--messages", dir / "messages.json", "--tools",
               dir / "tools.json", "--add_generation_prompt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "TOOLS search|user: Hi;assistant: Hello! How can I help?  ;");
  r = run_cli({"chat-template", fixture("chat_templates/qwen3"), "--messages", dir / "messages.json", "--var", "enable_thinking=false",
               "--add-generation-prompt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("<|im_start|>assistant\n<think>\n\n</think>\n\n"), std::string::npos) << r.out;
}

TEST(ChatTemplateCli, ErrorsAreOneLineAndNonZero) {
  TempDir dir;
  write_file(dir / "messages.json", R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])");
  auto r = run_cli({"chat-template", fixture("chat_templates/mistral"), "--messages", dir / "messages.json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("raise_exception: Conversation roles must alternate user/assistant/user/assistant/..."), std::string::npos)
      << r.err;
  write_file(dir / "bad.json", "[{");
  r = run_cli({"chat-template", fixture("chat_templates/chatml"), "--messages", dir / "bad.json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
}

}  // namespace
