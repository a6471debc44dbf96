// The parsed template: expressions and statements as jinja2's grammar builds them. Every
// node keeps its source position for error messages.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/chat_template/errors.h"
#include "tokenizers/chat_template/value.h"

namespace cuddle::chat {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum Kind {
    Literal,   // value
    Name,      // name
    ListLit,   // args
    TupleLit,  // args
    DictLit,   // args: key0, value0, key1, value1, ...
    Attr,      // args[0].name
    Item,      // args[0][args[1]]
    Slice,     // args[0][args[1]:args[2]:args[3]] (null parts absent)
    Call,      // args[0](args[1..], kwargs)
    Filter,    // args[0] | name(args[1..], kwargs)
    Test,      // args[0] is [not] name(args[1..]); negated
    Unary,     // name ("not", "-", "+") args[0]
    Binary,    // args[0] name args[1]: arithmetic and "~"
    Compare,   // args[0] ops[0] args[1] ops[1] args[2] ...: ==, !=, <, <=, >, >=, in, "not in"
    And,
    Or,
    Ternary,  // args[1] if args[0] else args[2] (args[2] may be null)
  };
  Kind kind;
  SourcePos at;
  std::string name;
  Value value;
  bool negated = false;
  std::vector<std::string> ops;  // Compare
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

// A macro or call-block parameter with its default.
struct Param {
  std::string name;
  ExprPtr default_value;
};

struct Stmt {
  enum Kind {
    Text,        // text
    Output,      // {{ expr }}
    If,          // conditions[i] guards bodies[i]; else_body
    For,         // targets in expr [if condition]: body, else_body
    Set,         // targets (or target.attr) = expr; block set when expr is null: body
    Macro,       // name(params): body
    CallBlock,   // {% call(params) expr %} body: caller() renders body
    FilterBlock, // {% filter expr %}: expr is a Filter chain over a Name "" placeholder
    Break,
    Continue,
    Generation,  // transformers' {% generation %}: renders its body unchanged
  };
  Kind kind;
  SourcePos at;
  std::string text;                 // Text; Set: attribute of a namespace target; Macro: name
  ExprPtr expr;                     // Output, For iterable, Set value, CallBlock call, FilterBlock
  ExprPtr condition;                // For filter
  std::vector<std::string> targets; // For / Set names
  std::vector<ExprPtr> conditions;  // If
  std::vector<Body> bodies;         // If
  Body body, else_body;
  std::vector<Param> params;        // Macro, CallBlock
  bool catch_varargs = false;       // Macro, CallBlock: extra positional arguments allowed
  bool catch_kwargs = false;        // Macro, CallBlock: unknown keyword arguments allowed
};

// A parsed template. Shared by the macros it defines, which outlive no render.
struct Program {
  Body body;
};

}  // namespace cuddle::chat
