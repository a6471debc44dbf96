#include "tokenizers/chat_template/parser.h"

#include <algorithm>
#include <initializer_list>

#include "tokenizers/chat_template/builtins.h"
#include "tokenizers/chat_template/errors.h"

namespace cuddle::chat {
namespace {

ExprPtr make(Expr::Kind kind, SourcePos at, std::string name = {}) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->at = at;
  e->name = std::move(name);
  return e;
}

ExprPtr make(Expr::Kind kind, SourcePos at, std::string name, ExprPtr a, ExprPtr b = nullptr) {
  auto e = make(kind, at, std::move(name));
  e->args.push_back(std::move(a));
  if (b) e->args.push_back(std::move(b));
  return e;
}

std::unique_ptr<Stmt> make_stmt(Stmt::Kind kind, SourcePos at) {
  auto s = std::make_unique<Stmt>();
  s->kind = kind;
  s->at = at;
  return s;
}

std::string describe(const Token& t) {
  switch (t.type) {
    case Token::End: return "end of template";
    case Token::VarEnd: return "'}}'";
    case Token::BlockEnd: return "'%}'";
    case Token::String: return "string";
    case Token::Int:
    case Token::Float: return "number " + t.text;
    default: return "'" + t.text + "'";
  }
}

// Deeper nesting than real templates ever use; it keeps hostile input off the stack limit.
constexpr int kMaxNesting = 200;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Program run() {
    Program p;
    p.body = body({}, SourcePos{});
    return p;
  }

 private:
  // Counts the recursion of one grammar rule while it runs.
  struct Nest {
    Parser& p;
    explicit Nest(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxNesting) fail_at(p.cur().at, "template nested too deeply");
    }
    ~Nest() { --p.depth_; }
  };

  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() {
    const Token& t = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return t;
  }
  bool is_op(const char* op) const { return cur().type == Token::Op && cur().text == op; }
  bool is_name(const char* name) const { return cur().type == Token::Name && cur().text == name; }
  bool accept_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool accept_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }
  [[noreturn]] void unexpected(const std::string& expected) const {
    fail_at(cur().at, "expected " + expected + ", got " + describe(cur()));
  }
  void expect_op(const char* op) {
    if (!accept_op(op)) unexpected(std::string("'") + op + "'");
  }
  void expect(Token::Type type, const char* what) {
    if (cur().type != type) unexpected(what);
    next();
  }
  std::string expect_name() {
    if (cur().type != Token::Name) unexpected("a name");
    return next().text;
  }

  // Statements up to a `{% name %}` tag whose name is in `ends`; leaves the parser on
  // that name. `opened` is where the statement being closed starts.
  Body body(std::initializer_list<const char*> ends, SourcePos opened) {
    Body out;
    while (true) {
      const Token& t = cur();
      if (t.type == Token::End) {
        if (ends.size() == 0) return out;
        fail_at(t.at, "unexpected end of template: " + still_open(ends, opened));
      }
      if (t.type == Token::Text) {
        auto s = make_stmt(Stmt::Text, t.at);
        s->text = next().text;
        out.push_back(std::move(s));
      } else if (t.type == Token::VarBegin) {
        next();
        auto s = make_stmt(Stmt::Output, t.at);
        s->expr = tuple_or_expression();
        expect(Token::VarEnd, "'}}'");
        out.push_back(std::move(s));
      } else if (t.type == Token::BlockBegin) {
        next();
        if (cur().type != Token::Name) unexpected("a statement name");
        for (const char* e : ends)
          if (cur().text == e) return out;
        const std::string& name = cur().text;
        if (name.rfind("end", 0) == 0 || name == "elif" || name == "else")
          fail_at(cur().at, "unexpected '{% " + name + " %}'" + (ends.size() ? ": " + still_open(ends, opened) : std::string()));
        out.push_back(statement());
      } else {
        unexpected("text or a tag");
      }
    }
  }

  // "the block opened on line L, column C needs '{% endfor %}'": the last of `ends` closes it.
  static std::string still_open(std::initializer_list<const char*> ends, SourcePos opened) {
    return "the block opened on line " + std::to_string(opened.line) + ", column " + std::to_string(opened.column) + " needs '{% " +
           *(ends.end() - 1) + " %}'";
  }

  void end_tag(const char* name) {
    if (!accept_name(name)) unexpected(std::string("'") + name + "'");
    expect(Token::BlockEnd, "'%}'");
  }

  std::unique_ptr<Stmt> statement() {
    Nest nest(*this);
    SourcePos at = cur().at;
    std::string kw = next().text;
    if (kw == "if") return if_statement(at);
    if (kw == "for") return for_statement(at);
    if (kw == "set") return set_statement(at);
    if (kw == "macro") return macro_statement(at);
    if (kw == "call") return call_statement(at);
    if (kw == "filter") return filter_statement(at);
    if (kw == "break" || kw == "continue") {
      expect(Token::BlockEnd, "'%}'");
      return make_stmt(kw == "break" ? Stmt::Break : Stmt::Continue, at);
    }
    if (kw == "generation") {
      expect(Token::BlockEnd, "'%}'");
      auto s = make_stmt(Stmt::Generation, at);
      s->body = body({"endgeneration"}, at);
      end_tag("endgeneration");
      return s;
    }
    fail_at(at, "unknown or misplaced tag '" + kw + "'");
  }

  std::unique_ptr<Stmt> if_statement(SourcePos at) {
    auto s = make_stmt(Stmt::If, at);
    s->conditions.push_back(expression());
    expect(Token::BlockEnd, "'%}'");
    while (true) {
      s->bodies.push_back(body({"elif", "else", "endif"}, at));
      if (accept_name("elif")) {
        s->conditions.push_back(expression());
        expect(Token::BlockEnd, "'%}'");
        continue;
      }
      if (accept_name("else")) {
        expect(Token::BlockEnd, "'%}'");
        s->else_body = body({"endif"}, at);
      }
      end_tag("endif");
      return s;
    }
  }

  std::vector<std::string> targets() {
    std::vector<std::string> names;
    bool paren = accept_op("(");
    do names.push_back(expect_name());
    while (accept_op(","));
    if (paren) expect_op(")");
    return names;
  }

  std::unique_ptr<Stmt> for_statement(SourcePos at) {
    auto s = make_stmt(Stmt::For, at);
    s->targets = targets();
    if (!accept_name("in")) unexpected("'in'");
    s->expr = or_expr();  // no conditional expression: a trailing `if` filters the items
    if (accept_name("if")) s->condition = expression();
    if (is_name("recursive")) fail_at(cur().at, "recursive for loops are not supported");
    expect(Token::BlockEnd, "'%}'");
    s->body = body({"else", "endfor"}, at);
    if (accept_name("else")) {
      expect(Token::BlockEnd, "'%}'");
      s->else_body = body({"endfor"}, at);
    }
    end_tag("endfor");
    return s;
  }

  std::unique_ptr<Stmt> set_statement(SourcePos at) {
    auto s = make_stmt(Stmt::Set, at);
    std::string first = expect_name();
    if (accept_op(".")) {
      s->targets.push_back(first);
      s->text = expect_name();  // {% set ns.attr = ... %}
    } else {
      s->targets.push_back(first);
      while (accept_op(",")) s->targets.push_back(expect_name());
    }
    if (accept_op("=")) {
      s->expr = tuple_or_expression();
      expect(Token::BlockEnd, "'%}'");
      return s;
    }
    if (s->targets.size() != 1 || !s->text.empty()) unexpected("'='");
    expect(Token::BlockEnd, "'%}'");
    s->body = body({"endset"}, at);
    end_tag("endset");
    return s;
  }

  std::vector<Param> params() {
    std::vector<Param> out;
    expect_op("(");
    while (!is_op(")")) {
      Param p{expect_name(), nullptr};
      if (accept_op("=")) p.default_value = expression();
      out.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
    expect_op(")");
    return out;
  }

  std::unique_ptr<Stmt> macro_statement(SourcePos at) {
    auto s = make_stmt(Stmt::Macro, at);
    s->text = expect_name();
    s->params = params();
    expect(Token::BlockEnd, "'%}'");
    s->body = body({"endmacro"}, at);
    end_tag("endmacro");
    takes_extra_arguments(*s);
    return s;
  }

  // jinja2 lets a macro take more arguments than it names only when its body reads
  // `varargs` (extra positional) or `kwargs` (unknown keywords).
  static void takes_extra_arguments(Stmt& s) {
    s.catch_varargs = uses_name(s.body, "varargs");
    s.catch_kwargs = uses_name(s.body, "kwargs");
  }

  static bool uses_name(const Expr* e, const char* name) {
    if (!e) return false;
    if (e->kind == Expr::Name && e->name == name) return true;
    for (const auto& a : e->args)
      if (uses_name(a.get(), name)) return true;
    for (const auto& [_, v] : e->kwargs)
      if (uses_name(v.get(), name)) return true;
    return false;
  }

  static bool uses_name(const Body& body, const char* name) {
    for (const auto& s : body) {
      if (uses_name(s->expr.get(), name) || uses_name(s->condition.get(), name) || uses_name(s->body, name) ||
          uses_name(s->else_body, name))
        return true;
      for (const auto& c : s->conditions)
        if (uses_name(c.get(), name)) return true;
      for (const auto& b : s->bodies)
        if (uses_name(b, name)) return true;
      for (const auto& p : s->params)
        if (uses_name(p.default_value.get(), name)) return true;
    }
    return false;
  }

  std::unique_ptr<Stmt> call_statement(SourcePos at) {
    auto s = make_stmt(Stmt::CallBlock, at);
    if (is_op("(")) s->params = params();
    s->expr = expression();
    if (s->expr->kind != Expr::Call) fail_at(at, "{% call %} needs a macro call");
    expect(Token::BlockEnd, "'%}'");
    s->body = body({"endcall"}, at);
    end_tag("endcall");
    takes_extra_arguments(*s);
    return s;
  }

  std::unique_ptr<Stmt> filter_statement(SourcePos at) {
    auto s = make_stmt(Stmt::FilterBlock, at);
    // The body's text takes the place of the Name "" the filter chain starts from.
    ExprPtr e = make(Expr::Name, at, "");
    do e = filter(std::move(e));
    while (accept_op("|"));
    s->expr = std::move(e);
    expect(Token::BlockEnd, "'%}'");
    s->body = body({"endfilter"}, at);
    end_tag("endfilter");
    return s;
  }

  // An expression, or several separated by commas: a tuple (`{{ a, b }}`, `set a, b = 1, 2`).
  ExprPtr tuple_or_expression() {
    SourcePos at = cur().at;
    ExprPtr first = expression();
    if (!is_op(",")) return first;
    auto t = make(Expr::TupleLit, at);
    t->args.push_back(std::move(first));
    while (accept_op(",")) {
      if (cur().type == Token::VarEnd || cur().type == Token::BlockEnd) break;
      t->args.push_back(expression());
    }
    return t;
  }

  ExprPtr expression() {
    Nest nest(*this);
    ExprPtr e = or_expr();
    while (is_name("if")) {
      SourcePos at = next().at;
      auto t = make(Expr::Ternary, at);
      t->args.push_back(or_expr());
      t->args.push_back(std::move(e));
      t->args.push_back(accept_name("else") ? expression() : nullptr);
      e = std::move(t);
    }
    return e;
  }

  ExprPtr or_expr() {
    ExprPtr e = and_expr();
    while (is_name("or")) {
      SourcePos at = next().at;
      e = make(Expr::Or, at, "or", std::move(e), and_expr());
    }
    return e;
  }

  ExprPtr and_expr() {
    ExprPtr e = not_expr();
    while (is_name("and")) {
      SourcePos at = next().at;
      e = make(Expr::And, at, "and", std::move(e), not_expr());
    }
    return e;
  }

  ExprPtr not_expr() {
    Nest nest(*this);
    if (is_name("not")) {
      SourcePos at = next().at;
      return make(Expr::Unary, at, "not", not_expr());
    }
    return compare();
  }

  // `a < b < c` chains as Python's `a < b and b < c` (b evaluated once): one Compare node
  // holding the operands and the operators between them.
  ExprPtr compare() {
    ExprPtr e = add();
    ExprPtr chain;
    while (true) {
      SourcePos at = cur().at;
      std::string op;
      if (cur().type == Token::Op && (is_op("==") || is_op("!=") || is_op("<") || is_op(">") || is_op("<=") || is_op(">=")))
        op = next().text;
      else if (accept_name("in"))
        op = "in";
      else if (is_name("not") && peek().type == Token::Name && peek().text == "in") {
        next();
        next();
        op = "not in";
      } else {
        return chain ? std::move(chain) : std::move(e);
      }
      if (!chain) {
        chain = make(Expr::Compare, at);
        chain->args.push_back(std::move(e));
      }
      chain->ops.push_back(op);
      chain->args.push_back(add());
    }
  }

  ExprPtr add() {
    ExprPtr e = concat();
    while (is_op("+") || is_op("-")) {
      const Token& t = next();
      e = make(Expr::Binary, t.at, t.text, std::move(e), concat());
    }
    return e;
  }

  ExprPtr concat() {
    ExprPtr e = multiply();
    while (is_op("~")) {
      SourcePos at = next().at;
      e = make(Expr::Binary, at, "~", std::move(e), multiply());
    }
    return e;
  }

  ExprPtr multiply() {
    ExprPtr e = power();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& t = next();
      e = make(Expr::Binary, t.at, t.text, std::move(e), power());
    }
    return e;
  }

  ExprPtr power() {
    ExprPtr e = unary(true);
    while (is_op("**")) {
      SourcePos at = next().at;
      e = make(Expr::Binary, at, "**", std::move(e), unary(true));
    }
    return e;
  }

  // jinja2: a sign binds to its operand before postfix subscripts and filters apply to the
  // result, so `-x | abs` is `(-x) | abs`.
  ExprPtr unary(bool with_filter) {
    Nest nest(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token& t = next();
      e = make(Expr::Unary, t.at, t.text, unary(false));
    } else {
      e = postfix(primary());
    }
    return with_filter ? filter_chain(std::move(e)) : std::move(e);
  }

  ExprPtr primary() {
    const Token& t = cur();
    switch (t.type) {
      case Token::Name: {
        next();
        auto lit = [&](Value v) {
          auto e = make(Expr::Literal, t.at);
          e->value = std::move(v);
          return e;
        };
        if (t.text == "true" || t.text == "True") return lit(Value(true));
        if (t.text == "false" || t.text == "False") return lit(Value(false));
        if (t.text == "none" || t.text == "None") return lit(Value::none());
        return make(Expr::Name, t.at, t.text);
      }
      case Token::String: {
        auto e = make(Expr::Literal, t.at);
        std::string s;
        while (cur().type == Token::String) s += next().text;  // adjacent literals join
        e->value = Value(std::move(s));
        return e;
      }
      case Token::Int:
      case Token::Float: {
        auto e = make(Expr::Literal, t.at);
        e->value = t.type == Token::Int ? Value(t.int_value) : Value(t.float_value);
        next();
        return e;
      }
      default: break;
    }
    SourcePos at = t.at;
    if (accept_op("(")) {
      if (accept_op(")")) return make(Expr::TupleLit, at);
      ExprPtr first = expression();
      if (accept_op(")")) return first;
      auto tup = make(Expr::TupleLit, at);
      tup->args.push_back(std::move(first));
      while (accept_op(",")) {
        if (is_op(")")) break;
        tup->args.push_back(expression());
      }
      expect_op(")");
      return tup;
    }
    if (accept_op("[")) {
      auto list = make(Expr::ListLit, at);
      while (!is_op("]")) {
        list->args.push_back(expression());
        if (!accept_op(",")) break;
      }
      expect_op("]");
      return list;
    }
    if (accept_op("{")) {
      auto dict = make(Expr::DictLit, at);
      while (!is_op("}")) {
        dict->args.push_back(expression());
        expect_op(":");
        dict->args.push_back(expression());
        if (!accept_op(",")) break;
      }
      expect_op("}");
      return dict;
    }
    unexpected("an expression");
  }

  ExprPtr postfix(ExprPtr e) {
    while (true) {
      SourcePos at = cur().at;
      if (accept_op(".")) {
        if (cur().type == Token::Int) {  // foo.0 is foo[0]
          auto idx = make(Expr::Literal, at);
          idx->value = Value(next().int_value);
          e = make(Expr::Item, at, "", std::move(e), std::move(idx));
        } else {
          e = make(Expr::Attr, at, expect_name(), std::move(e));
        }
      } else if (accept_op("[")) {
        e = subscript(std::move(e), at);
      } else if (is_op("(")) {
        e = call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr subscript(ExprPtr target, SourcePos at) {
    ExprPtr parts[3];
    int n = 0;
    bool slice = false;
    while (true) {
      if (!is_op(":") && !is_op("]")) parts[n] = expression();
      if (is_op(":") && n < 2) {
        next();
        slice = true;
        ++n;
        continue;
      }
      break;
    }
    expect_op("]");
    if (!slice) {
      if (!parts[0]) fail_at(at, "empty subscript");
      return make(Expr::Item, at, "", std::move(target), std::move(parts[0]));
    }
    auto e = make(Expr::Slice, at);
    e->args.push_back(std::move(target));
    for (auto& p : parts) e->args.push_back(std::move(p));
    return e;
  }

  // Call arguments: positional, then name=value keywords.
  void arguments(Expr& e) {
    expect_op("(");
    while (!is_op(")")) {
      if (cur().type == Token::Name && peek().type == Token::Op && peek().text == "=") {
        std::string key = next().text;
        next();
        e.kwargs.emplace_back(std::move(key), expression());
      } else {
        if (!e.kwargs.empty()) fail_at(cur().at, "positional argument after a keyword argument");
        e.args.push_back(expression());
      }
      if (!accept_op(",")) break;
    }
    expect_op(")");
  }

  ExprPtr call(ExprPtr callee) {
    auto e = make(Expr::Call, callee->at);
    e->args.push_back(std::move(callee));
    arguments(*e);
    return e;
  }

  ExprPtr filter_chain(ExprPtr e) {
    while (true) {
      if (accept_op("|")) e = filter(std::move(e));
      else if (is_name("is")) e = test(std::move(e));
      else if (is_op("(")) e = call(std::move(e));
      else return e;
    }
  }

  ExprPtr filter(ExprPtr input) {
    SourcePos at = cur().at;
    std::string name = expect_name();
    while (accept_op(".")) name += "." + expect_name();
    if (!is_filter(name)) fail_at(at, "unknown filter '" + name + "'");
    auto e = make(Expr::Filter, at, name, std::move(input));
    if (is_op("(")) arguments(*e);
    return e;
  }

  ExprPtr test(ExprPtr subject) {
    SourcePos at = next().at;  // "is"
    bool negated = accept_name("not");
    std::string name = expect_name();
    while (accept_op(".")) name += "." + expect_name();
    auto e = make(Expr::Test, at, name, std::move(subject));
    e->negated = negated;
    if (is_op("(")) {
      arguments(*e);
    } else if ((cur().type == Token::String || cur().type == Token::Int || cur().type == Token::Float ||
                (cur().type == Token::Name && !is_name("else") && !is_name("or") && !is_name("and") && !is_name("is") &&
                 !is_name("if") && !is_name("in") && !is_name("not")) ||
                is_op("[") || is_op("{"))) {
      e->args.push_back(postfix(primary()));  // `x is sameas y`: one argument without parentheses
    }
    return e;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Program parse(std::string_view source, const LexOptions& options) { return Parser(lex(source, options)).run(); }

}  // namespace cuddle::chat
