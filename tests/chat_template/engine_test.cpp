// The template engine on its own: Python jinja2's semantics on snippets that cover the
// statements, filters, tests, methods and value printing (snippets.json, rendered by
// jinja2 3.1 as transformers configures it), and the errors a broken template gives, each
// naming its line and column.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cuddle/chat_template.h"
#include "test_util.h"

namespace {

using nlohmann::ordered_json;
using cuddle::test::fixture;
using cuddle::test::read_file;

const std::string kSource = CUDDLE_SOURCE_DIR;

std::string render(const std::string& tpl, const ordered_json& vars = ordered_json::object()) {
  return cuddle::ChatTemplate(tpl).render(vars);
}

// The ChatTemplateError a template gives (when parsing or rendering); fails if none.
cuddle::ChatTemplateError error_of(const std::string& tpl, const ordered_json& vars = ordered_json::object()) {
  try {
    render(tpl, vars);
  } catch (const cuddle::ChatTemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << tpl;
  return cuddle::ChatTemplateError("", 0, 0);
}

TEST(ChatTemplateEngine, SnippetsRenderAsPythonJinja2) {
  ordered_json cases = ordered_json::parse(read_file(fixture("chat_templates/snippets.json")));
  ASSERT_GE(cases.size(), 25u);
  for (const auto& c : cases) {
    std::string tpl = c[0].get<std::string>();
    EXPECT_EQ(render(tpl, c[1]), c[2].get<std::string>()) << tpl;
  }
}

TEST(ChatTemplateEngine, SnippetsFileIsCurrent) {
  if (std::system("/usr/bin/python3 -c 'import jinja2' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "reference not installed: python3-jinja2 (scripts/install-deps.sh)";
  cuddle::test::TempDir tmp;
  std::string in = fixture("chat_templates/snippets.json"), out = tmp / "snippets.json";
  std::string cmd = "/usr/bin/python3 '" + kSource + "/tests/chat_template/render_reference.py' --snippets '" + in + "' '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(ordered_json::parse(read_file(out)), ordered_json::parse(read_file(in)));
}

TEST(ChatTemplateEngine, UnclosedBlocksNameWhereTheyOpened) {
  auto e = error_of("line one\n  {% for m in messages %}\n{{ m }}");
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(std::string(e.what()).find("the block opened on line 2, column 6 needs '{% endfor %}'"), std::string::npos) << e.what();
  e = error_of("{% if a %}x{% elif b %}y");
  EXPECT_NE(std::string(e.what()).find("needs '{% endif %}'"), std::string::npos) << e.what();
  e = error_of("{% macro f() %}body");
  EXPECT_NE(std::string(e.what()).find("needs '{% endmacro %}'"), std::string::npos) << e.what();
  EXPECT_STREQ(error_of("{% if a %}x{% endfor %}").what(),
               "chat template line 1, column 15: unexpected '{% endfor %}': the block opened on line 1, column 4 needs '{% endif %}'");
  EXPECT_STREQ(error_of("a\n{% endif %}").what(), "chat template line 2, column 4: unexpected '{% endif %}'");
}

TEST(ChatTemplateEngine, UnclosedTagsCommentsAndStrings) {
  auto e = error_of("ok\nok {{ name ");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 4);
  EXPECT_NE(std::string(e.what()).find("unclosed tag: missing '}}'"), std::string::npos) << e.what();
  e = error_of("{# never closed");
  EXPECT_NE(std::string(e.what()).find("unclosed comment"), std::string::npos) << e.what();
  e = error_of("{{ 'abc }}");
  EXPECT_NE(std::string(e.what()).find("unclosed string literal"), std::string::npos) << e.what();
  e = error_of("{% raw %}never ends");
  EXPECT_NE(std::string(e.what()).find("unclosed raw block"), std::string::npos) << e.what();
}

TEST(ChatTemplateEngine, UnknownFilterFailsWhenParsed) {
  // Columns count code points: "é" is one column.
  auto e = error_of("é {{ x }}\n  {{ messages | shout }}");
  EXPECT_STREQ(e.what(), "chat template line 2, column 17: unknown filter 'shout'");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 17);
}

TEST(ChatTemplateEngine, SyntaxErrorsSayWhatWasExpected) {
  EXPECT_STREQ(error_of("{{ 1 + }}").what(), "chat template line 1, column 8: expected an expression, got '}}'");
  EXPECT_STREQ(error_of("{% for x xs %}{% endfor %}").what(), "chat template line 1, column 10: expected 'in', got 'xs'");
  EXPECT_STREQ(error_of("{{ a b }}").what(), "chat template line 1, column 6: expected '}}', got 'b'");
  EXPECT_STREQ(error_of("{% frobnicate %}").what(), "chat template line 1, column 4: unknown or misplaced tag 'frobnicate'");
  EXPECT_NE(std::string(error_of("{{ a ? b }}").what()).find("unexpected character '?'"), std::string::npos);
}

TEST(ChatTemplateEngine, RuntimeErrorsNameTheLine) {
  auto e = error_of("ok\n{{ raise_exception('roles must alternate') }}");
  EXPECT_STREQ(e.what(), "chat template line 2, column 4: raise_exception: roles must alternate");
  e = error_of("{% for m in messages %}\n  {{ m.content + 1 }}{% endfor %}",
               {{"messages", ordered_json::array({{{"content", "hi"}}})}});
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(std::string(e.what()).find("unsupported operand type(s) for +: 'str' and 'int'"), std::string::npos) << e.what();
  e = error_of("{{ nothing.attr }}");
  EXPECT_NE(std::string(e.what()).find("cannot read attribute 'attr' of an undefined value"), std::string::npos) << e.what();
  e = error_of("{{ 'abc'.nosuchmethod() }}");
  EXPECT_NE(std::string(e.what()).find("'str' object has no method 'nosuchmethod'"), std::string::npos) << e.what();
  e = error_of("{{ [1, 2].append(3) }}");  // lists are immutable, as in transformers' sandbox
  EXPECT_NE(std::string(e.what()).find("has no method 'append'"), std::string::npos) << e.what();
  e = error_of("{{ 'x' | trim(1, 2, 3) }}");
  EXPECT_NE(std::string(e.what()).find("strip(): takes 1 positional argument(s) but 3 were given"), std::string::npos) << e.what();
  e = error_of("{{ 1 // 0 }}");
  EXPECT_NE(std::string(e.what()).find("integer division or modulo by zero"), std::string::npos) << e.what();
  e = error_of("{{ 1 < 'a' }}");
  EXPECT_NE(std::string(e.what()).find("'<' not supported between instances of 'int' and 'str'"), std::string::npos) << e.what();
  EXPECT_STREQ(error_of("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}").what(),
               "chat template line 1, column 41: macro 'm' takes not more than 1 argument(s)");
  EXPECT_STREQ(error_of("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=2) }}").what(),
               "chat template line 1, column 41: macro 'm' takes no keyword argument 'b'");
  EXPECT_NE(std::string(error_of("{{ 'abc'[:nothing] }}").what()).find("slice stop must be an integer or None"), std::string::npos);
  e = error_of("{% set x.y = 1 %}", {{"x", 1}});
  EXPECT_NE(std::string(e.what()).find("it is not a namespace()"), std::string::npos) << e.what();
}

// A namespace is the one mutable value, so it can come to contain itself; its repr prints
// the inner occurrence as "{...}" as Python's dict repr does (found by fuzz_chat_template:
// endless recursion before).
TEST(ChatTemplateEngine, NamespaceContainingItselfPrintsLikePython) {
  EXPECT_EQ(render("{% set ns = namespace(x=1) %}{% set ns.x = (ns, 2) %}{{ ns }}"),
            "<Namespace {'x': (<Namespace {...}>, 2)}>");
}

TEST(ChatTemplateEngine, RunawayTemplatesStop) {
  EXPECT_NE(std::string(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").what()).find("nested deeper than"),
            std::string::npos);
  EXPECT_NE(std::string(error_of("{{ range(100000000) | length }}").what()).find("range(): more than"), std::string::npos);
  EXPECT_NE(std::string(error_of("{{ 'ab' * 100000000 }}").what()).find("repetition too large"), std::string::npos);
  EXPECT_NE(std::string(error_of("{{ 'ab' * 9223372036854775807 }}").what()).find("repetition too large"), std::string::npos);
  EXPECT_NE(std::string(error_of("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}").what())
                .find("string longer than the engine allows"),
            std::string::npos);
  EXPECT_NE(std::string(error_of("{% for i in range(500) %}{% for j in range(401) %}{% endfor %}{% endfor %}").what())
                .find("more than 200000 loop iterations"),
            std::string::npos);
  EXPECT_NE(std::string(error_of("{{ '%9999999d' % 1 }}").what()).find("format field too wide"), std::string::npos);
  EXPECT_NE(std::string(error_of("{{ " + std::string(1000, '(') + "1" + std::string(1000, ')') + " }}").what()).find("nested too deeply"),
            std::string::npos);
}

}  // namespace
